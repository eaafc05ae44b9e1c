using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The item metadata the installed Csc task reads, found in its IL without loading it: in the methods of Csc and of
/// its base ManagedCompiler, a string constant handed straight to ITaskItem.GetMetadata (or Roslyn's
/// TryConvertItemMetadataToBool), or listed in a string array where the command line is built (the metadata names
/// of "/resource:file,LogicalName,Access").
/// </summary>
internal static partial class CscTaskMetadata
{
    private static readonly string[] TaskTypes = ["Csc", "ManagedCompiler"];
    private static readonly string[] MetadataReaders = ["GetMetadata", "TryConvertItemMetadataToBool"];
    private static readonly string[] CommandLineBuilders = ["AddResponseFileCommands", "AddReferencesToCommandLine"];

    private static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => (ushort)o.Value);

    public static IReadOnlySet<string> ReadBy(string taskAssembly)
    {
        using var pe = new PEReader(File.OpenRead(taskAssembly));
        var reader = pe.GetMetadataReader();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in reader.TypeDefinitions.Select(reader.GetTypeDefinition).Where(t => TaskTypes.Contains(reader.GetString(t.Name))))
        {
            foreach (var method in type.GetMethods().Select(reader.GetMethodDefinition).Where(m => m.RelativeVirtualAddress != 0))
            {
                var name = reader.GetString(method.Name);
                var code = Decode(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!);
                for (var i = 0; i < code.Count; i++)
                {
                    if (code[i].OpCode != OpCodes.Ldstr) continue;
                    var text = reader.GetUserString(MetadataTokens.UserStringHandle(code[i].Operand & 0xFFFFFF));
                    if (!Identifier().IsMatch(text)) continue;
                    // What the constant is used for: the next call, or its store into an array.
                    var use = code.Skip(i + 1).FirstOrDefault(c => c.OpCode == OpCodes.Call || c.OpCode == OpCodes.Callvirt || c.OpCode == OpCodes.Stelem_Ref || c.OpCode == OpCodes.Newobj);
                    if (use.OpCode == OpCodes.Stelem_Ref ? CommandLineBuilders.Contains(name) : use.OpCode != OpCodes.Newobj && MetadataReaders.Contains(CalleeName(reader, use.Operand)))
                    {
                        found.Add(text);
                    }
                }
            }
        }
        return found;
    }

    private static List<(OpCode OpCode, int Operand)> Decode(byte[] il)
    {
        var code = new List<(OpCode, int)>();
        for (var i = 0; i < il.Length;)
        {
            var opCode = OpCodesByValue[il[i] == 0xFE ? (ushort)(0xFE00 | il[i + 1]) : il[i]];
            i += opCode.Size;
            var operand = 0;
            switch (opCode.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                default: operand = BitConverter.ToInt32(il, i); i += 4; break;
            }
            code.Add((opCode, operand));
        }
        return code;
    }

    private static string CalleeName(MetadataReader reader, int token)
    {
        var handle = MetadataTokens.EntityHandle(token);
        return handle.Kind switch
        {
            HandleKind.MethodDefinition => reader.GetString(reader.GetMethodDefinition((MethodDefinitionHandle)handle).Name),
            HandleKind.MemberReference => reader.GetString(reader.GetMemberReference((MemberReferenceHandle)handle).Name),
            _ => "",
        };
    }

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex Identifier();
}
