package catalogio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"huitong"
)

// readJSON reads {"version":1,"items":[...]} (what Export writes) or a bare
// array of entries. Malformed JSON anywhere is an error and nothing is
// imported; an element of the wrong shape is reported against its position.
func (im *importer) readJSON(data []byte) ([]*entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return huitong.Errorf(huitong.EINVALID, "JSON 格式错误：文件在第 %d 字节处意外结束", dec.InputOffset())
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return huitong.Errorf(huitong.EINVALID, "JSON 格式错误：第 %d 字节附近 %s", se.Offset, se.Error())
		}
		return huitong.Errorf(huitong.EINVALID, "JSON 格式错误：第 %d 字节附近 %s", dec.InputOffset(), err.Error())
	}
	var raws []json.RawMessage
	readArray := func() error {
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		if tok == nil {
			return nil // "items": null
		}
		if tok != json.Delim('[') {
			return huitong.Errorf(huitong.EINVALID, "JSON 格式错误：items 应为数组")
		}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return syntax(err)
			}
			raws = append(raws, raw)
		}
		if _, err := dec.Token(); err != nil {
			return syntax(err)
		}
		return nil
	}

	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, syntax(err)
			}
			raws = append(raws, raw)
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntax(err)
		}
	case json.Delim('{'):
		haveItems := false
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, syntax(err)
			}
			switch kt {
			case "version":
				var v json.RawMessage
				if err := dec.Decode(&v); err != nil {
					return nil, syntax(err)
				}
				if s := string(bytes.TrimSpace(v)); s != strconv.Itoa(Version) {
					return nil, huitong.Errorf(huitong.EINVALID, "不支持的导出格式版本 %s，本平台读取版本 %d", shown(s), Version)
				}
			case "items":
				if err := readArray(); err != nil {
					return nil, err
				}
				haveItems = true
			default: // exportedAt and anything a later version adds
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, syntax(err)
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntax(err)
		}
		if !haveItems {
			return nil, huitong.Errorf(huitong.EINVALID, "JSON 中没有 items 数组：应为 {\"version\":1,\"items\":[...]}")
		}
	default:
		return nil, huitong.Errorf(huitong.EINVALID, "JSON 格式错误：应为对象 {\"version\":1,\"items\":[...]} 或数组")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, huitong.Errorf(huitong.EINVALID, "JSON 格式错误：第 %d 字节后还有多余内容", dec.InputOffset())
	}

	known := jsonKeys(reflect.TypeFor[huitong.Resource]())
	warned := map[string]bool{}
	im.rep.Rows = len(raws)
	entries := make([]*entry, len(raws))
	for i, raw := range raws {
		e := &entry{row: i + 1, failed: map[string]bool{}}
		entries[i] = e
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
			e.broken = true
			im.fail(e, "", "type", string(raw), "第 %d 条应为 JSON 对象", i+1)
			continue
		}
		for k := range keys {
			if !known[k] && !warned[k] {
				warned[k] = true
				im.warn(e, k, "unknown_field", k, "未识别的字段“%s”，已忽略", k)
			}
		}
		var r huitong.Resource
		if err := json.Unmarshal(raw, &r); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				e.failed[te.Field] = true
				im.fail(e, te.Field, "type", "", "字段 %s 的值应为%s，现为%s", te.Field, jsonType(te.Type), jsonKind(te.Value))
			} else {
				im.fail(e, "", "type", "", "第 %d 条无法解析：%s", i+1, err.Error())
			}
		}
		im.normalise(e, &r)
		e.code = strings.TrimSpace(r.Code)
		// Set by the platform: never taken from the file.
		r.Code, r.Version, r.Status, r.ReviewNote = "", 0, "", ""
		r.Jurisdiction, r.Level, r.CreatedBy, r.ReviewedBy = "", "", "", ""
		r.CreatedAt, r.UpdatedAt, r.SubmittedAt, r.PublishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		e.res = r
	}
	return entries, nil
}

// normalise maps labels in the enumerations of r to API values.
func (im *importer) normalise(e *entry, r *huitong.Resource) {
	r.Classification.Class = huitong.Class(im.enum(e, "classification.class", "class", string(r.Classification.Class)))
	r.Format = huitong.Format(im.enum(e, "format", "format", string(r.Format)))
	r.ShareType = huitong.ShareType(im.enum(e, "shareType", "shareType", string(r.ShareType)))
	r.OpenType = huitong.OpenType(im.enum(e, "openType", "openType", string(r.OpenType)))
	r.UpdateCycle = huitong.UpdateCycle(im.enum(e, "updateCycle", "updateCycle", string(r.UpdateCycle)))
	r.Mount.Kind = huitong.MountKind(im.enum(e, "mount.kind", "mount", string(r.Mount.Kind)))
	methods := r.ShareMethods[:0]
	for _, m := range r.ShareMethods {
		if v := im.enum(e, "shareMethods", "shareMethod", string(m)); v != "" {
			methods = append(methods, huitong.ShareMethod(v))
		}
	}
	r.ShareMethods = methods
	for i := range r.Items {
		it := &r.Items[i]
		f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		it.Type = huitong.ItemType(im.enum(e, f("type"), "itemType", string(it.Type)))
		it.KeyKind = huitong.KeyKind(im.enum(e, f("keyKind"), "keyKind", string(it.KeyKind)))
		it.ShareType = huitong.ShareType(im.enum(e, f("shareType"), "shareType", string(it.ShareType)))
		it.OpenType = huitong.OpenType(im.enum(e, f("openType"), "openType", string(it.OpenType)))
	}
}

// jsonKeys lists the JSON names of t's fields.
func jsonKeys(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if name != "-" {
			out[name] = true
		}
	}
	return out
}

// jsonKind names the kind of a JSON value as UnmarshalTypeError gives it.
func jsonKind(v string) string {
	switch {
	case v == "string":
		return "字符串"
	case v == "number" || strings.HasPrefix(v, "number "):
		return "数字"
	case v == "bool":
		return "布尔值"
	case v == "array":
		return "数组"
	case v == "object":
		return "对象"
	}
	return v
}

// jsonType names a Go type as a JSON type, for messages.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "数字"
	case reflect.Bool:
		return "布尔值"
	case reflect.Slice:
		return "数组"
	case reflect.Struct:
		return "对象"
	}
	return t.String()
}
