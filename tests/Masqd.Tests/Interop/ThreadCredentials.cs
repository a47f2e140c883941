using System.Runtime.InteropServices;
using Masqd.Interop;

namespace Masqd.Tests.Interop;

/// <summary>
/// Changes the uid and gid of the calling thread only, through the raw system calls (glibc's
/// wrappers change every thread of the process). Leaving root this way clears the thread's
/// effective capabilities, so a test thread can act as an unprivileged user.
/// </summary>
internal static partial class ThreadCredentials
{
    public static void Become(uint uid, uint gid)
    {
        (long setresgid, long setresuid) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (119L, 117L),
            Architecture.Arm64 => (149L, 147L),
            var other => throw new PlatformNotSupportedException($"No syscall numbers for {other}."),
        };

        if (syscall(setresgid, gid, gid, gid) < 0)
            throw ErrnoException.FromLastError($"setresgid {gid}");
        if (syscall(setresuid, uid, uid, uid) < 0)
            throw ErrnoException.FromLastError($"setresuid {uid}");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long first, long second, long third);
}
