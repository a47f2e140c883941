namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Temporary folders named <c>mqe-PID-...</c> so that a later run can remove the ones a
/// killed test process left behind. They are world-readable and world-writable because
/// the unprivileged masqd (uid 65534) writes its ready and stats files there.
/// </summary>
internal static class TempFolders
{
    public static string Create(string purpose)
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(Path.GetTempPath(), $"{NetworkNamespace.RunTag}-{purpose}-{unique}");
        Directory.CreateDirectory(path);
        Command.Run("chmod", "1777", path).EnsureSuccess();
        return path;
    }

    /// <summary>Deletes a folder on dispose, ignoring one that is already gone.</summary>
    internal sealed class Deleter(string path) : IDisposable
    {
        public void Dispose()
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }
}
