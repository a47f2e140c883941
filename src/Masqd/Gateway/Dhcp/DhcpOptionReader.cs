namespace Masqd.Gateway.Dhcp;

/// <summary>
/// Allocation-free reader of the options of a DHCP message, in the order RFC 2131 4.1 gives:
/// the options field, then <c>file</c> and then <c>sname</c> when the option overload option
/// (52) names them (RFC 2132 9.3). Each field ends at its end option or at its last byte.
/// </summary>
/// <remarks>
/// After <see cref="TryReadNext"/> returns false, <see cref="Error"/> separates a clean end
/// (<see cref="DhcpDropReason.None"/>) from a malformed option.
/// </remarks>
internal ref struct DhcpOptionReader
{
    private const int TagAndLengthSize = 2;

    private readonly ReadOnlySpan<byte> _message;
    private ReadOnlySpan<byte> _field;
    private DhcpOverload _fieldKind;
    private int _position;
    private bool _inOptionsField;
    private bool _done;

    internal DhcpOptionReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        _field = message[DhcpMessage.OptionsOffset..];
        _inOptionsField = true;
    }

    /// <summary>Fields named by the option overload option, once the reader has seen it.</summary>
    internal DhcpOverload Overload { get; private set; }

    /// <summary>Why reading stopped early, or <see cref="DhcpDropReason.None"/>.</summary>
    internal DhcpDropReason Error { get; private set; }

    /// <summary>
    /// Reads the next option other than pad and end. Returns false at the end of the last
    /// field or at the first malformed option.
    /// </summary>
    internal bool TryReadNext(out DhcpOption code, out ReadOnlySpan<byte> data)
    {
        code = DhcpOption.End;
        data = default;
        while (!_done)
        {
            if (_position >= _field.Length || _field[_position] == (byte)DhcpOption.End)
            {
                MoveToNextField();
                continue;
            }

            // RFC 2132 2: pad is a single byte with no length.
            if (_field[_position] == (byte)DhcpOption.Pad)
            {
                _position++;
                continue;
            }

            return TryReadOption(out code, out data);
        }

        return false;
    }

    private bool TryReadOption(out DhcpOption code, out ReadOnlySpan<byte> data)
    {
        code = (DhcpOption)_field[_position];
        data = default;
        if (_position + TagAndLengthSize > _field.Length)
            return Fail(DhcpDropReason.BadOptionLength);

        int length = _field[_position + 1];
        int start = _position + TagAndLengthSize;
        if (start + length > _field.Length)
            return Fail(DhcpDropReason.BadOptionLength);

        data = _field.Slice(start, length);
        _position = start + length;
        if (code == DhcpOption.OptionOverload)
            return AcceptOverload(data);

        return true;
    }

    // RFC 2132 9.3: the overload option appears only in the options field, has length 1 and
    // names file (1), sname (2) or both (3).
    private bool AcceptOverload(scoped ReadOnlySpan<byte> data)
    {
        if (!_inOptionsField)
            return Fail(DhcpDropReason.BadOverload);

        if (data.Length != 1)
            return Fail(DhcpDropReason.BadOptionLength);

        var overload = (DhcpOverload)data[0];
        if (overload is DhcpOverload.None || (overload & ~DhcpOverload.Both) != 0)
            return Fail(DhcpDropReason.BadOverload);

        Overload = overload;
        return true;
    }

    private void MoveToNextField()
    {
        _inOptionsField = false;
        _position = 0;
        if (_fieldKind == DhcpOverload.None && (Overload & DhcpOverload.File) != 0)
        {
            _fieldKind = DhcpOverload.File;
            _field = _message.Slice(DhcpMessage.FileOffset, DhcpMessage.FileLength);
            return;
        }

        if (_fieldKind != DhcpOverload.ServerName && (Overload & DhcpOverload.ServerName) != 0)
        {
            _fieldKind = DhcpOverload.ServerName;
            _field = _message.Slice(DhcpMessage.SnameOffset, DhcpMessage.SnameLength);
            return;
        }

        _done = true;
    }

    private bool Fail(DhcpDropReason reason)
    {
        Error = reason;
        _done = true;
        return false;
    }
}
