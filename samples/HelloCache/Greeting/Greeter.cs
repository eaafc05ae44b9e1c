namespace Greeting;

/// <summary>Builds greetings.</summary>
public static class Greeter
{
    /// <summary>A greeting for <paramref name="name"/>.</summary>
    public static string Greet(string name) => $"Hello, {name}! This build came from the cache if you ran it twice.";
}
