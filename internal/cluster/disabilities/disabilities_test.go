package disabilities

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMissingFileIsEveryProgramEnabled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "disabilities.json")
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Flags()) != 0 {
		t.Errorf("flags of a missing file: %v", f.Flags())
	}
	// The first Save creates the directories and the file.
	if err := f.Save(func() (map[string]bool, error) { return map[string]bool{"b": false, "a": true}, nil }); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"a": true, "b": false}` {
		t.Errorf("file content %s", raw)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v, %v", st.Mode(), err)
	}
	again, err := Read(path)
	if err != nil || !maps.Equal(again, map[string]bool{"a": true, "b": false}) {
		t.Errorf("read back %v, %v", again, err)
	}
}

func TestBadFilesNameTheFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage":  `{"a": tru`,
		"list":     `["a"]`,
		"notbool":  `{"a": true, "b": 1}`,
		"nullfile": `null`,
	} {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := Open(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
		if f == nil {
			t.Fatalf("%s: no File", name)
		}
		if name == "notbool" && !maps.Equal(f.Flags(), map[string]bool{"a": true}) {
			t.Errorf("the good entries of a partly bad file are kept: %v", f.Flags())
		}
	}
	// A directory where the file should be cannot be read.
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("reading a directory: %v", err)
	}
}

// Programs the engine no longer knows keep their flags; the engine's
// flags win for the others.
func TestSaveKeepsUnknownPrograms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.json")
	if err := os.WriteFile(path, []byte(`{"gone": true, "kept": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Save(func() (map[string]bool, error) { return map[string]bool{"kept": false, "new": false}, nil }); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if want := map[string]bool{"gone": true, "kept": false, "new": false}; err != nil || !maps.Equal(got, want) {
		t.Errorf("after save %v, %v; want %v", got, err, want)
	}
}

// The file is JSON that Python's json.load reads back, whatever the
// program names.
func TestEncodingEscapes(t *testing.T) {
	flags := map[string]bool{"é\"x\\": true, "tab\t": false, "𝄞": true, "<html>": false}
	raw := encode(flags)
	for _, c := range string(raw) {
		if c >= 0x80 {
			t.Fatalf("non-ASCII in %s", raw)
		}
	}
	var back map[string]bool
	if err := json.Unmarshal(raw, &back); err != nil || !maps.Equal(back, flags) {
		t.Errorf("%s decodes to %v, %v", raw, back, err)
	}
	if !strings.Contains(string(raw), `"\u00e9\"x\\"`) || !strings.Contains(string(raw), `"\ud834\udd1e"`) ||
		!strings.Contains(string(raw), `"<html>"`) {
		t.Errorf("escapes: %s", raw)
	}
	if string(encode(nil)) != "{}" {
		t.Errorf("no flags: %s", encode(nil))
	}
}

func TestConcurrentSaves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.json")
	f, _ := Open(path)
	var mu sync.Mutex
	current := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			current[string(rune('a'+i))] = i%2 == 0
			mu.Unlock()
			err := f.Save(func() (map[string]bool, error) {
				mu.Lock()
				defer mu.Unlock()
				return maps.Clone(current), nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := Read(path)
	if err != nil || !maps.Equal(got, current) {
		t.Errorf("last write %v, %v; want %v", got, err, current)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
