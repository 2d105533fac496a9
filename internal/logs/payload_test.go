package logs

import (
	"bytes"
	"testing"
)

// The expected values below were produced by Supervisor 4.2.5's
// stripEscapes and by Python 3's repr.

func TestStripANSI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"a\x1b[1;32Hb", "ab"},
		{"a\x1b[unterminated", "anterminated"}, // 'u' is a terminator
		{"a\x1b[1;2;3", "a"},                   // unterminated: rest swallowed
		{"\x1b[", ""},
		{"x\x1b[2Jy\x1b[Kz", "xyz"},
		{"\x1bnot", "\x1bnot"},
		{"\x1b[[m", ""},
		{"\x1b[m\x1b[m", ""},
		{"", ""},
	}
	for _, tt := range tests {
		in := []byte(tt.in)
		orig := bytes.Clone(in)
		if got := stripANSI(in); string(got) != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !bytes.Equal(in, orig) {
			t.Errorf("stripANSI(%q) modified its input", tt.in)
		}
	}
}

func TestPyBytesRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\xff", `b'\xff'`},
		{"a'b", `b"a'b"`},
		{"a'b\"c", `b'a\'b"c'`},
		{"\x00\t\n\r\\\x7f\x80", `b'\x00\t\n\r\\\x7f\x80'`},
		{"\xc3", `b'\xc3'`},
		{"", `b''`},
	}
	for _, tt := range tests {
		if got := pyBytesRepr([]byte(tt.in)); got != tt.want {
			t.Errorf("pyBytesRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestPyStrRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cat", `'cat'`},
		{"it's", `"it's"`},
		{"a\u00adb", `'a\xadb'`},
		{"a\u2028", `'a\u2028'`},
		{"\U0001F600", "'\U0001F600'"},
		{"x\u0085", `'x\x85'`},
		{"tab\there", `'tab\there'`},
	}
	for _, tt := range tests {
		if got := pyStrRepr(tt.in); got != tt.want {
			t.Errorf("pyStrRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDecodeTextAndMessages(t *testing.T) {
	if got := DecodeText([]byte("héllo\n")); got != "héllo\n" {
		t.Errorf("DecodeText(valid) = %q", got)
	}
	if got := DecodeText([]byte("a\xffb\n")); got != `Undecodable: b'a\xffb\n'` {
		t.Errorf("DecodeText(invalid) = %q", got)
	}
	if got := OutputDebugMessage("cat", "stdout", []byte("hi\n")); got != "'cat' stdout output:\nhi\n" {
		t.Errorf("OutputDebugMessage = %q", got)
	}
	if got := CommEventDebugMessage("cat", "stderr"); got != "'cat' stderr emitted a comm event" {
		t.Errorf("CommEventDebugMessage = %q", got)
	}
}
