namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Runs the built masqd with an empty value for an option that takes a path or a name. It
/// must print a message that names the option and exit with code 2, like every other invalid
/// value, and never a stack trace. Runs in a namespace of its own, so a masqd that accepted
/// the value finds no pod interface instead of the machine's.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdEmptyValueTests
{
    private const int UsageExitCode = 2;

    [SetUp]
    public void RequireRoot() => EndToEndRequirements.Check();

    [TestCase("run", "--ready-file")]
    [TestCase("run", "--stats-file")]
    [TestCase("run", "--hostname")]
    [TestCase("run", "--vm-netns")]
    [TestCase("run", "--bridge")]
    [TestCase("setup", "--bridge")]
    public void EmptyValue_NamesOptionAndExitsWithTwo(string command, string option)
    {
        using var ns = NetworkNamespace.Create("cli");
        string[] masqd = MasqdBinary.CommandPrefix(MasqdBinary.Locate());

        var result = ns.Run([.. masqd, command, "--user", "0", "--group", "0", option, ""]);

        Assert.That(result.ExitCode, Is.EqualTo(UsageExitCode), result.Describe());
        Assert.That(result.Stderr, Does.Contain(option), result.Describe());
        Assert.That(result.Stderr, Does.Not.Contain("Unhandled exception"), result.Describe());
    }
}
