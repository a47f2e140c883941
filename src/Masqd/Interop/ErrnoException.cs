using System.Runtime.InteropServices;

namespace Masqd.Interop;

/// <summary>A failed system call, with the errno it set and what masqd was doing.</summary>
internal sealed class ErrnoException : Exception
{
    public ErrnoException(string operation, int errno)
        : base($"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).")
    {
        Errno = errno;
    }

    public ErrnoException(string operation, int errno, string hint)
        : base($"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})."
            + $" {hint}")
    {
        Errno = errno;
    }

    public int Errno { get; }

    /// <summary>Throws for the errno of the last call made with SetLastError.</summary>
    public static ErrnoException FromLastError(string operation) =>
        new(operation, Marshal.GetLastPInvokeError());
}
