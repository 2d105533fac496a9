package xmlrpc

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Go structs travel as XML-RPC structs. A field's member name is its
// `xmlrpc:"name"` tag, or the field name when untagged; `xmlrpc:"-"` and
// unexported fields are skipped. Members are written in field order, which
// is how a struct keeps Python's key order without building a map.

type structField struct {
	name  string
	index int
	// open is the member's opening, "<member>\n<name>NAME</name>\n",
	// rendered once per type instead of once per value written.
	open string
}

var structPlans sync.Map // reflect.Type -> []structField

func fieldsOf(t reflect.Type) []structField {
	if plan, ok := structPlans.Load(t); ok {
		return plan.([]structField)
	}
	var plan []structField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("xmlrpc"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		plan = append(plan, structField{name: name, index: i, open: string(appendMemberName(nil, name))})
	}
	structPlans.Store(t, plan)
	return plan
}

func appendGoStruct(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	var err error
	dst = append(dst, "<value><struct>\n"...)
	for _, f := range fieldsOf(rv.Type()) {
		field := rv.Field(f.index)
		// Scalars are written straight from the field: boxing each one
		// in an interface would cost an allocation per member.
		switch field.Kind() {
		case reflect.String:
			dst = append(dst, f.open...)
			dst = append(appendString(dst, field.String()), "</member>\n"...)
			continue
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			dst = append(dst, f.open...)
			dst = append(appendInt(dst, field.Int()), "</member>\n"...)
			continue
		}
		if dst, err = appendMember(dst, f.name, field.Interface(), depth); err != nil {
			return dst, err
		}
	}
	return append(dst, "</struct></value>\n"...), nil
}

// Unmarshal stores a decoded value (as DecodeResponse returns it) into
// the Go value dst points to: structs by member name as above, slices from
// arrays, maps with string keys from structs, and the scalar kinds. Members
// without a matching field are ignored; a type mismatch is an error.
func Unmarshal(src any, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("xmlrpc: Unmarshal needs a non-nil pointer, not %T", dst)
	}
	return assign(rv.Elem(), src, "value")
}

var timeType = reflect.TypeFor[time.Time]()

func assign(dst reflect.Value, src any, where string) error {
	mismatch := func() error {
		return fmt.Errorf("xmlrpc: cannot store %T in %s of type %s", src, where, dst.Type())
	}
	if dst.Kind() == reflect.Interface && dst.NumMethod() == 0 {
		if src == nil {
			dst.SetZero()
		} else {
			dst.Set(reflect.ValueOf(src))
		}
		return nil
	}
	if src == nil {
		switch dst.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			dst.SetZero()
			return nil
		}
		return mismatch()
	}
	if dst.Type() == timeType {
		t, ok := src.(time.Time)
		if !ok {
			return mismatch()
		}
		dst.Set(reflect.ValueOf(t))
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return assign(dst.Elem(), src, where)
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			return mismatch()
		}
		dst.SetBool(b)
	case reflect.String:
		switch s := src.(type) {
		case string:
			dst.SetString(s)
		case []byte:
			dst.SetString(string(s))
		default:
			return mismatch()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := src.(int)
		if !ok || dst.OverflowInt(int64(i)) {
			return mismatch()
		}
		dst.SetInt(int64(i))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := src.(int)
		if !ok || i < 0 || dst.OverflowUint(uint64(i)) {
			return mismatch()
		}
		dst.SetUint(uint64(i))
	case reflect.Float32, reflect.Float64:
		switch f := src.(type) {
		case float64:
			dst.SetFloat(f)
		case int:
			dst.SetFloat(float64(f))
		default:
			return mismatch()
		}
	case reflect.Slice:
		if b, ok := src.([]byte); ok && dst.Type().Elem().Kind() == reflect.Uint8 {
			dst.SetBytes(b)
			return nil
		}
		arr, ok := src.([]any)
		if !ok {
			return mismatch()
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, e := range arr {
			if err := assign(s.Index(i), e, fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := src.(map[string]any)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return mismatch()
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, v := range m {
			e := reflect.New(dst.Type().Elem()).Elem()
			if err := assign(e, v, where+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), e)
		}
		dst.Set(out)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			return mismatch()
		}
		for _, f := range fieldsOf(dst.Type()) {
			if v, present := m[f.name]; present {
				if err := assign(dst.Field(f.index), v, where+"."+f.name); err != nil {
					return err
				}
			}
		}
	default:
		return mismatch()
	}
	return nil
}
