package rule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// DecodeConditions parses a rule's conditions JSON strictly: unknown keys
// (including keys that differ only in letter case, which encoding/json would
// otherwise accept) and wrongly typed values are refused, each reported
// under its path ("conditions.foo"). null is the empty, match-all value.
func DecodeConditions(b []byte) (Conditions, error) {
	var c Conditions
	if verr := decodeStrict(b, &c, "conditions"); verr != nil {
		return Conditions{}, verr
	}
	return c, nil
}

// DecodeActions parses a rule's actions JSON as strictly as
// DecodeConditions, reporting paths such as "actions.boardId" and
// "actions.ticketTemplate.titleTemplate".
func DecodeActions(b []byte) (Actions, error) {
	var a Actions
	if verr := decodeStrict(b, &a, "actions"); verr != nil {
		return Actions{}, verr
	}
	return a, nil
}

// decodeStrict checks every key and value against dst's struct type first,
// so that all problems are reported at once with their paths (encoding/json
// stops at the first and names no path for unknown keys), then decodes.
func decodeStrict(b []byte, dst any, root string) *ValidationError {
	var errs ValidationError
	raw, err := singleValue(b)
	if err != nil {
		errs.Add(root, "invalid JSON: "+err.Error())
		return &errs
	}
	if bytes.Equal(raw, []byte("null")) {
		return nil
	}
	checkObject(raw, reflect.TypeOf(dst).Elem(), root, &errs)
	if len(errs.Errors) > 0 {
		return &errs
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		// checkObject should have caught it; report rather than panic.
		errs.Add(root, "invalid value: "+err.Error())
		return &errs
	}
	return nil
}

// singleValue returns the one JSON value in b, refusing trailing data.
func singleValue(b []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty input")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the value")
	}
	return raw, nil
}

// checkObject reports raw when it is not a JSON object of t's fields, then
// each key that t does not declare and each value of the wrong type.
func checkObject(raw json.RawMessage, t reflect.Type, path string, errs *ValidationError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		errs.Add(path, "must be "+describe(t))
		return
	}
	fields := jsonFields(t)
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			msg := "unknown field"
			for name := range fields {
				if strings.EqualFold(name, k) {
					msg += fmt.Sprintf(" (did you mean %q?)", name)
					break
				}
			}
			errs.Add(path+"."+k, msg)
			continue
		}
		checkValue(obj[k], ft, path+"."+k, errs)
	}
}

func checkValue(raw json.RawMessage, t reflect.Type, path string, errs *ValidationError) {
	if bytes.Equal(raw, []byte("null")) {
		return // null leaves the zero value: "not set"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		checkObject(raw, t, path, errs)
		return
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		errs.Add(path, "must be "+describe(t))
	}
}

// jsonFields maps the JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// describe names a JSON shape for messages: "a list of strings".
func describe(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice:
		switch t.Elem().Kind() {
		case reflect.String:
			return "a list of strings"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return "a list of integers"
		}
		return "a list"
	case reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}
