package logs

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DecodeText returns data as text the way Supervisor puts child output into
// event payloads and into the main log: as is when it is valid UTF-8,
// otherwise "Undecodable: " followed by Python's repr of the bytes
// (b'\xff...').
func DecodeText(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return "Undecodable: " + pyBytesRepr(data)
}

// OutputDebugMessage is the main-log message (logged at DEBG) that copies a
// chunk of child output when the daemon's loglevel is debug or lower:
// "'<name>' stdout output:\n<text>".
func OutputDebugMessage(processName, channel string, data []byte) string {
	return pyStrRepr(processName) + " " + channel + " output:\n" + DecodeText(data)
}

// CommEventDebugMessage is the main-log message (logged at DEBG) written when
// a channel emits a PROCESS_COMMUNICATION event.
func CommEventDebugMessage(processName, channel string) string {
	return pyStrRepr(processName) + " " + channel + " emitted a comm event"
}

// pyQuote picks the quote Python's repr uses: single quotes unless the text
// holds a single quote and no double quote.
func pyQuote(hasSingle, hasDouble bool) byte {
	if hasSingle && !hasDouble {
		return '"'
	}
	return '\''
}

// pyBytesRepr renders b as Python 3's repr(bytes) does.
func pyBytesRepr(b []byte) string {
	q := pyQuote(bytes.IndexByte(b, '\'') >= 0, bytes.IndexByte(b, '"') >= 0)
	var sb strings.Builder
	sb.Grow(len(b) + 3)
	sb.WriteByte('b')
	sb.WriteByte(q)
	for _, c := range b {
		switch {
		case c == q || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte("0123456789abcdef"[c>>4])
			sb.WriteByte("0123456789abcdef"[c&0xf])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(q)
	return sb.String()
}

// pyStrRepr renders s as Python 3's repr(str) does, closely enough for
// process names: printable characters are kept, others escaped.
func pyStrRepr(s string) string {
	q := pyQuote(strings.IndexByte(s, '\'') >= 0, strings.IndexByte(s, '"') >= 0)
	var sb strings.Builder
	sb.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r >= 0x20 && r != 0x7f && unicode.IsPrint(r):
			sb.WriteRune(r)
		case r < 0x100:
			sb.WriteString(`\x`)
			sb.WriteString(pad(strconv.FormatInt(int64(r), 16), 2))
		case r <= 0xffff:
			sb.WriteString(`\u`)
			sb.WriteString(pad(strconv.FormatInt(int64(r), 16), 4))
		default:
			sb.WriteString(`\U`)
			sb.WriteString(pad(strconv.FormatInt(int64(r), 16), 8))
		}
	}
	sb.WriteByte(q)
	return sb.String()
}

func pad(hex string, width int) string {
	return strings.Repeat("0", max(width-len(hex), 0)) + hex
}

// ansiTerminators are the bytes that end an escape sequence begun by ESC[
// in Supervisor's strip_ansi.
const ansiTerminators = "HfABCDRsuJKhlpm"

// stripANSI removes every ESC[ ... <terminator> sequence from data, as
// Supervisor's stripEscapes does on each chunk: an unterminated sequence
// swallows the rest of the chunk. data is not modified; when it holds no
// escape it is returned as is.
func stripANSI(data []byte) []byte {
	begin := []byte("\x1b[")
	n := bytes.Index(data, begin)
	if n < 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	for n >= 0 {
		out = append(out, data[:n]...)
		// Skip ESC and '[' and everything up to and including a terminator.
		rest := data[n+len(begin):]
		t := bytes.IndexAny(rest, ansiTerminators)
		if t < 0 {
			return out
		}
		data = rest[t+1:]
		n = bytes.Index(data, begin)
	}
	return append(out, data...)
}

// DebugCopy returns a ChannelConfig.Debug callback that logs each chunk to
// logger at DEBG as Supervisor does ("'<name>' stdout output:\n<text>").
func DebugCopy(logger *slog.Logger, processName, channel string) func([]byte) {
	return func(data []byte) {
		logger.Log(context.Background(), LevelDebug, OutputDebugMessage(processName, channel, data))
	}
}
