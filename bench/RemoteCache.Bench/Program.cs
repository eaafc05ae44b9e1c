using RemoteCache.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Directory.CreateDirectory(options.Work);
if (options.FingerprintOnly)
{
    var only = FingerprintBench.Run(options.Work);
    Console.WriteLine($"fingerprint: first {only.ColdMs:0.0} ms, new node with a warm journal {only.NewNodeMedianMs:0.00} ms, same node {only.WarmMedianMs:0.00} ms (p90 {only.WarmP90Ms:0.00} ms), {only.Files} inputs");
    return 0;
}
var runner = new BuildRunner(Path.Combine(options.Work, "nuget-packages"));
if (options.Tests)
{
    if (options.Solution is not null)
    {
        Console.Error.WriteLine("--tests measures the generated solution; --solution cannot be combined with it");
        return 2;
    }
    var generator = new SolutionGenerator(options.Projects, options.FilesPerProject, testProjects: Math.Max(1, options.Projects / 10));
    var testTree = BenchTree.Generate(options, generator);
    var testShape = $"a generated solution of {generator.Projects} projects and {generator.SourceFiles} source files with {generator.TestProjects} xunit test projects of {SolutionGenerator.TestClasses * SolutionGenerator.TestsPerClass} tests each (bench/RemoteCache.Bench/SolutionGenerator.cs)";
    Console.WriteLine($"test-run scenarios on {testShape}");
    var testScenarios = new TestScenarios(options, runner, testTree);
    testScenarios.RunAll();
    var testSection = TestReport.Render(options, Environment.GetEnvironmentVariable("BENCH_DOTNET_SDK") ?? "(unknown)", testShape, testScenarios);
    Console.WriteLine();
    Console.WriteLine(testSection);
    if (options.Report is not null)
    {
        Report.Write(options.Report, testSection, TestReport.Heading);
        Console.WriteLine($"written to {options.Report}");
    }
    return 0;
}
string shape;
BenchTree tree;
if (options.Solution is null)
{
    var generator = new SolutionGenerator(options.Projects, options.FilesPerProject);
    tree = BenchTree.Generate(options, generator);
    shape = $"a generated solution of {generator.Projects} projects and {generator.SourceFiles} source files (bench/RemoteCache.Bench/SolutionGenerator.cs)";
}
else
{
    tree = BenchTree.Existing(options);
    shape = $"the solution {Path.GetFileName(options.Solution)}";
}

Console.WriteLine($"fingerprint micro-benchmark");
var fingerprint = FingerprintBench.Run(options.Work);
Console.WriteLine($"  first {fingerprint.ColdMs:0.0} ms, new node with a warm journal {fingerprint.NewNodeMedianMs:0.00} ms, same node {fingerprint.WarmMedianMs:0.00} ms");
Console.WriteLine($"scenarios on {shape}");
var scenarios = new Scenarios(options, runner, tree);
scenarios.RunAll();

var section = Report.Render(options, Environment.GetEnvironmentVariable("BENCH_DOTNET_SDK") ?? "(unknown)", shape, scenarios.Results, scenarios.PairedToNoOp, scenarios.ColdEmptyPaired, fingerprint);
Console.WriteLine();
Console.WriteLine(section);
if (options.Report is not null)
{
    Report.Write(options.Report, section);
    Console.WriteLine($"written to {options.Report}");
}
return 0;
