namespace Masqd.Gateway.Dhcp;

/// <summary>
/// Places whole options into a reply: all in the options field when they fit, else with
/// option overload into <c>file</c> and then <c>sname</c> (RFC 2131 4.1, RFC 2132 9.3).
/// </summary>
/// <remarks>
/// Each option goes to the first field with room for it and that field's end option. With
/// overload, the caller adds options longest first (first-fit decreasing), so the long ones
/// take the options field. An option too long for any field's free space is left out and
/// counted in <see cref="OmittedCount"/>.
/// NOTE: options are never split across fields as RFC 3396 allows. That is only needed when
/// one option is longer than the room left in every field, which takes a 576-byte limit and
/// a search list or domain name of more than about 200 bytes.
/// </remarks>
internal ref struct DhcpReplyWriter
{
    private const int OverloadOptionSize = 3;
    private const int EndSize = 1;

    private readonly Span<byte> _message;
    private readonly int _optionsLimit;
    private readonly bool _overload;
    private int _optionsPosition;
    private int _overloadPosition;
    private int _filePosition;
    private int _snamePosition;

    /// <summary>
    /// Starts the options of <paramref name="message"/>, whose length is the largest reply the
    /// client accepts. <paramref name="neededLength"/> is the length of all options to write,
    /// without the end option, and decides whether overload is used.
    /// </summary>
    internal DhcpReplyWriter(Span<byte> message, int neededLength)
    {
        _message = message;
        _optionsLimit = message.Length;
        _optionsPosition = DhcpMessage.OptionsOffset;
        _overload = _optionsPosition + neededLength + EndSize > _optionsLimit;
        _overloadPosition = -1;
    }

    internal int OmittedCount { get; private set; }

    /// <summary>True when the options do not all fit in the options field.</summary>
    internal readonly bool IsOverloaded => _overload;

    /// <summary>
    /// Writes the message type option, first in the options field so that clients and
    /// parsers that expect it first find it there.
    /// </summary>
    internal void AddMessageType(DhcpMessageType type)
    {
        _message[_optionsPosition++] = (byte)DhcpOption.MessageType;
        _message[_optionsPosition++] = 1;
        _message[_optionsPosition++] = (byte)type;
        if (!_overload)
            return;

        // Keep room for the overload option right after the first one, and fill its value in
        // at the end, once it is known which fields were used.
        _overloadPosition = _optionsPosition;
        _optionsPosition += OverloadOptionSize;
    }

    /// <summary>Writes a whole option into the first field with room for it.</summary>
    internal void Add(scoped ReadOnlySpan<byte> option)
    {
        if (TryAppend(option, ref _optionsPosition, _optionsLimit))
            return;

        if (!_overload)
        {
            OmittedCount++;
            return;
        }

        if (TryAppend(option, ref _filePosition, DhcpMessage.FileLength, DhcpMessage.FileOffset))
            return;

        if (TryAppend(option, ref _snamePosition, DhcpMessage.SnameLength, DhcpMessage.SnameOffset))
            return;

        OmittedCount++;
    }

    /// <summary>
    /// Closes each field used with the end option, fills in the overload option, and returns
    /// the message length, padded to the 300 bytes of a BOOTP message (RFC 951).
    /// </summary>
    internal int Finish()
    {
        _message[_optionsPosition++] = (byte)DhcpOption.End;
        DhcpOverload used = DhcpOverload.None;
        if (_filePosition > 0)
        {
            _message[DhcpMessage.FileOffset + _filePosition] = (byte)DhcpOption.End;
            used |= DhcpOverload.File;
        }

        if (_snamePosition > 0)
        {
            _message[DhcpMessage.SnameOffset + _snamePosition] = (byte)DhcpOption.End;
            used |= DhcpOverload.ServerName;
        }

        WriteOverload(used);
        return Math.Max(_optionsPosition, Math.Min(DhcpMessage.MinBootpLength, _message.Length));
    }

    // The room kept stays as three pad options when no option went to file or sname.
    private readonly void WriteOverload(DhcpOverload used)
    {
        if (_overloadPosition < 0 || used == DhcpOverload.None)
            return;

        _message[_overloadPosition] = (byte)DhcpOption.OptionOverload;
        _message[_overloadPosition + 1] = 1;
        _message[_overloadPosition + 2] = (byte)used;
    }

    // Appends the option when it and an end option still fit before the field's limit.
    private readonly bool TryAppend(
        scoped ReadOnlySpan<byte> option, ref int position, int limit, int fieldOffset = 0)
    {
        if (position + option.Length + EndSize > limit)
            return false;

        option.CopyTo(_message[(fieldOffset + position)..]);
        position += option.Length;
        return true;
    }
}
