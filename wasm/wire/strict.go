package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// encoding/json is lenient where a signed or audited message must not be:
// it matches keys to fields case-insensitively ("SEQ" sets seq), keeps the
// last of duplicate keys (so two readers of one body can see two values),
// and decodes a body of null into nothing, which left a PUT's target
// cleared. checkStrict refuses all three before the body is decoded: every
// object key names a field exactly, no object repeats a key, and the body
// is not null. Most bodies pass scanStrict; the others are walked token by
// token, which says what is wrong.
func checkStrict(body []byte, t reflect.Type) error {
	if scanStrict(body, t) {
		return nil
	}
	return walkBody(body, t)
}

// walkBody checks body as checkStrict does, token by token.
func walkBody(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return errors.New("the body is null")
	}
	return walkStrict(dec, tok, t, "")
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// walkStrict checks the value that starts with tok against t; a nil t (an
// interface, a map's or a custom decoder's insides) checks duplicates only.
func walkStrict(dec *json.Decoder, tok json.Token, t reflect.Type, at string) error {
	t = strictType(t)
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: encoding/json checks its type
	}
	switch d {
	case '[':
		elem := arrayElem(t)
		for i := 0; dec.More(); i++ {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			if err := walkStrict(dec, tok, elem, at+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case '{':
		fields, elem := objectTypes(t)
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			if seen[key] {
				return fmt.Errorf("%s: key %q appears twice", where(at), key)
			}
			seen[key] = true
			ft := elem
			if fields != nil {
				if ft, ok = fields[key]; !ok {
					return fmt.Errorf("%s: unknown field %q (names are case-sensitive)", where(at), key)
				}
			}
			if tok, err = dec.Token(); err != nil {
				return err
			}
			if err := walkStrict(dec, tok, ft, at+"."+key); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // the closing delimiter
	return err
}

// strictType is the type whose fields an object for t must name: t's
// pointee, or nil when a custom decoder reads it.
func strictType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler)) {
		return nil
	}
	return t
}

// objectTypes says what an object for t holds: a struct's fields by
// their JSON names, or a map's element type; neither for another t.
func objectTypes(t reflect.Type) (fields map[string]reflect.Type, elem reflect.Type) {
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		return fieldsOf(t), nil
	case t != nil && t.Kind() == reflect.Map:
		return nil, t.Elem()
	}
	return nil, nil
}

// arrayElem is the element type of an array for t, or nil.
func arrayElem(t reflect.Type) reflect.Type {
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		return t.Elem()
	}
	return nil
}

func where(at string) string {
	if at == "" {
		return "the body"
	}
	return strings.TrimPrefix(at, ".")
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// fieldsOf is jsonFields(t), worked out once per type: every body of a
// type asks the same.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f := jsonFields(t, map[string]reflect.Type{})
	fieldCache.Store(t, f)
	return f
}

// jsonFields maps the JSON names of t's fields, embedded structs' fields
// promoted, as encoding/json names them.
func jsonFields(t reflect.Type, into map[string]reflect.Type) map[string]reflect.Type {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				jsonFields(ft, into)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		into[name] = f.Type
	}
	return into
}

// DecodeLimited reads exactly one JSON value into v, at most max bytes,
// as strictly as the wire format: keys name fields exactly, none repeats,
// no unknown field, not null, no trailing data.
func DecodeLimited(r io.Reader, v any, max int64) error {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return errorf(CodeMalformed, "reading body: %v", err)
	}
	if int64(len(body)) > max {
		return errorf(CodeTooLarge, "body exceeds %d bytes", max)
	}
	if err := checkStrict(body, reflect.TypeOf(v)); err != nil {
		return errorf(CodeMalformed, "invalid JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(CodeMalformed, "invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errorf(CodeMalformed, "trailing data after the JSON value")
	}
	return nil
}
