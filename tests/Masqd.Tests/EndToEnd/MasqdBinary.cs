namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Finds the built masqd: the MASQD_BIN environment variable (an apphost or a .dll), else
/// <c>src/Masqd/bin/CONFIGURATION/net10.0/masqd</c> of this repository, preferring the
/// configuration the tests were built with.
/// </summary>
internal static class MasqdBinary
{
#if DEBUG
    private static readonly string[] Configurations = ["Debug", "Release"];
#else
    private static readonly string[] Configurations = ["Release", "Debug"];
#endif

    /// <summary>The command that starts masqd: the apphost, or <c>dotnet masqd.dll</c>.</summary>
    public static string[] CommandPrefix(string path) =>
        path.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", path] : [path];

    /// <summary>
    /// Copies the build output into a folder that uid 65534 can read, because the
    /// repository may sit under a home folder that only root can enter. Returns the command.
    /// </summary>
    public static string[] CopyForUnprivilegedUser(string path, string folder)
    {
        var source = Path.GetDirectoryName(path)!;
        var target = Path.Combine(folder, "masqd-bin");
        Command.Run("cp", "-R", source, target).EnsureSuccess();
        Command.Run("chmod", "-R", "a+rX", target).EnsureSuccess();

        return CommandPrefix(Path.Combine(target, Path.GetFileName(path)));
    }

    public static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MASQD_BIN");

        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new FileNotFoundException($"MASQD_BIN names a missing file: {fromEnvironment}");
        }

        var root = RepositoryRoot();
        var candidates = Configurations
            .Select(configuration => Path.Combine(root, "src", "Masqd", "bin", configuration, "net10.0"))
            .SelectMany(folder => new[] { Path.Combine(folder, "masqd"), Path.Combine(folder, "masqd.dll") })
            .ToList();

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"masqd is not built: none of {string.Join(", ", candidates)} exists. " +
                "Run `dotnet build` in the repository root or set MASQD_BIN.");
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);

        for (; folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MasqDatapath.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"No MasqDatapath.sln above {AppContext.BaseDirectory}; set MASQD_BIN to the masqd binary.");
    }
}
