using System.Runtime.InteropServices;

namespace Masqd.Interop;

/// <summary>
/// glibc functions that Tmds.LibC 0.5.0 lacks or declares with a narrower type.
/// Errors are read with <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary>ioctl with the request as unsigned long, as glibc declares it.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, nint argument);

    /// <summary>Moves the calling thread into the namespace of <paramref name="fd"/>.</summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", SetLastError = true,
        StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    public const int CLONE_NEWNET = 0x40000000;
}
