namespace Masqd.Setup;

/// <summary>A setup or teardown step that failed, named in the message.</summary>
internal sealed class SetupException(string message, Exception? inner = null)
    : Exception(message, inner);
