package settings

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// decoder walks yaml.Node trees rather than using yaml's struct decoding, so that every problem
// gets a line, a column and a field path, and so that all problems are collected in one pass.
type decoder struct {
	file  string
	errs  Errors
	warns []Warning
	pos   map[string]position
	// order maps the path of a free-form mapping (environment, installer args...) to its keys in
	// the order written: Go maps forget it, and ZenML keeps it in the Dockerfile.
	order  map[string][]string
	budget int // nodes left to visit; aliases can make a small file expand enormously
	spent  bool

	fileNodes  int  // nodes written in the document, aliases not followed
	hasAliases bool // whether the document uses aliases (*name)
}

// maxNodes bounds the work spent on one document, counting alias expansions.
const maxNodes = 100000

// maxDepth bounds nesting in free-form values (build options), which have no schema to stop them.
const maxDepth = 32

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[string]position{}, order: map[string][]string{}, budget: maxNodes}
}

func nodePos(n *yaml.Node) position {
	if n == nil {
		return position{}
	}
	return position{n.Line, n.Column}
}

// fail records an error at node n.
func (d *decoder) fail(n *yaml.Node, field, msg, fix string) {
	p := nodePos(n)
	d.errs = append(d.errs, &Error{File: d.file, Line: p.line, Column: p.col, Field: field, Message: msg, Fix: fix})
}

// warn records a warning at node n.
func (d *decoder) warn(n *yaml.Node, field, msg string) {
	p := nodePos(n)
	d.warns = append(d.warns, Warning{File: d.file, Line: p.line, Column: p.col, Field: field, Message: msg})
}

// warnAt records a warning at a recorded field path.
func (d *decoder) warnAt(field, msg string) {
	p := d.pos[field]
	d.warns = append(d.warns, Warning{File: d.file, Line: p.line, Column: p.col, Field: field, Message: msg})
}

// spend counts one visited node and reports whether the budget still allows work.
func (d *decoder) spend(n *yaml.Node, field string) bool {
	d.budget--
	if d.budget >= 0 {
		return true
	}
	if !d.spent {
		d.spent = true
		// Blame aliases only when they are the cause: the file itself holds few enough values.
		if d.hasAliases && d.fileNodes <= maxNodes {
			d.fail(n, field, fmt.Sprintf("document too large: more than %d values after expanding aliases", maxNodes),
				"avoid deeply nested YAML aliases (*name): each use copies the whole anchored value")
		} else {
			d.fail(n, field, fmt.Sprintf("document too large: more than %d values", maxNodes),
				"a settings file needs far fewer: remove pasted data, and give long requirement lists as a requirements file (requirements: requirements.txt)")
		}
	}
	return false
}

// countNodes counts the nodes written in a document, not following aliases, and reports whether
// it uses any.
func countNodes(root *yaml.Node) (count int, hasAliases bool) {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		if n.Kind == yaml.AliasNode {
			hasAliases = true
			continue
		}
		stack = append(stack, n.Content...)
	}
	return count, hasAliases
}

// deref follows YAML aliases (*name) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// isNull reports whether n is absent or an explicit null (`key:`, `key: null`, `key: ~`).
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names a node's kind and value for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "boolean " + v
		case "!!int":
			return "integer " + v
		case "!!float":
			return "number " + v
		default:
			return fmt.Sprintf("string %q", v)
		}
	}
	return "an unsupported YAML value"
}

// joinPath appends a key to a field path ("" is the document root).
func joinPath(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}

// pair is one key/value of a mapping.
type pair struct{ key, value *yaml.Node }

// pairs lists a mapping's entries, expanding YAML merge keys (<<: *base) and reporting
// duplicate or non-string keys. Explicit keys win over merged ones, and an earlier mapping of a
// merge list over a later one, as in YAML 1.1. The entries come in the order PyYAML (which ZenML
// loads run configurations with) gives the keys of the dict, because that order reaches the
// image (ENV lines, installer options): merged keys first, in merge order, then the explicit
// ones; an explicit key that overrides a merged one keeps the merged key's place.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var explicit []pair
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !d.spend(k, path) {
			return explicit
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if dk := deref(k); dk == nil || dk.Kind != yaml.ScalarNode {
			d.fail(k, path, "keys must be plain strings, got "+describe(k), "")
			continue
		}
		name := deref(k).Value
		if first, dup := seen[name]; dup {
			d.fail(k, joinPath(path, name), fmt.Sprintf("duplicate key (first defined at line %d)", first.Line),
				"remove one of the two entries")
			continue
		}
		seen[name] = k
		explicit = append(explicit, pair{k, v})
	}
	if len(merges) == 0 {
		return explicit
	}
	// PyYAML's flatten_mapping: the merged entries (the first of a key only), then the explicit
	// ones; a key keeps the place of its first occurrence and takes the explicit value.
	var out []pair
	index := map[string]int{}
	for _, m := range merges {
		for _, src := range d.mergeSources(m, path) {
			for _, p := range d.pairs(src, path) {
				name := deref(p.key).Value
				if _, dup := index[name]; !dup {
					index[name] = len(out)
					out = append(out, p)
				}
			}
		}
	}
	for _, p := range explicit {
		if i, ok := index[deref(p.key).Value]; ok {
			out[i] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

// mergeSources returns the mappings a merge key refers to (one alias, or a list of them).
func (d *decoder) mergeSources(m *yaml.Node, path string) []*yaml.Node {
	m = deref(m)
	if m != nil && m.Kind == yaml.MappingNode {
		return []*yaml.Node{m}
	}
	if m != nil && m.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range m.Content {
			if it := deref(item); it != nil && it.Kind == yaml.MappingNode {
				out = append(out, it)
			} else {
				d.fail(item, path, "a merge key (<<) needs mappings, got "+describe(item), "")
			}
		}
		return out
	}
	d.fail(m, path, "a merge key (<<) needs a mapping or a list of mappings, got "+describe(m), "")
	return nil
}

// mapping returns n as a mapping node, or records an error and returns nil.
func (d *decoder) mapping(n *yaml.Node, path, what string) *yaml.Node {
	m := deref(n)
	if m == nil || m.Kind != yaml.MappingNode {
		d.fail(n, path, fmt.Sprintf("expected %s (a mapping of keys to values), got %s", what, describe(n)), "")
		return nil
	}
	return m
}

// fieldInfo describes one settings struct field, read from its tags once.
type fieldInfo struct {
	index int
	name  string   // YAML key
	mode  string   // decode tag: "env" or "args" for maps with scalar values
	enum  []string // allowed values for string fields, from the jsonschema tag
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

// fieldsOf lists the YAML fields of a settings struct in declaration order.
func fieldsOf(t reflect.Type) []fieldInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]fieldInfo)
	}
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fi := fieldInfo{index: i, name: name, mode: f.Tag.Get("decode")}
		for _, tag := range strings.Split(f.Tag.Get("jsonschema"), ",") {
			if v, ok := strings.CutPrefix(tag, "enum="); ok {
				fi.enum = append(fi.enum, v)
			}
		}
		out = append(out, fi)
	}
	fieldCache.Store(t, out)
	return out
}

// fieldNames lists the YAML keys of a settings struct.
func fieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range fieldsOf(t) {
		names = append(names, f.name)
	}
	return names
}

// decodeStruct fills the struct that out points to from mapping n; unknown keys are errors,
// because inside docker/resources a typo silently drops a setting.
func (d *decoder) decodeStruct(n *yaml.Node, path string, out reflect.Value) {
	m := d.mapping(n, path, "settings")
	if m == nil {
		return
	}
	t := out.Elem().Type()
	byName := map[string]fieldInfo{}
	for _, f := range fieldsOf(t) {
		byName[f.name] = f
	}
	for _, p := range d.pairs(m, path) {
		name := deref(p.key).Value
		field := joinPath(path, name)
		f, ok := byName[name]
		if !ok {
			d.fail(p.key, field, unknownFieldMessage(name, fieldNames(t)), "")
			continue
		}
		if isNull(p.value) {
			continue // null means "not set here", as in ZenML
		}
		d.pos[field] = nodePos(p.key)
		d.decodeField(p.value, field, f, out.Elem().Field(f.index))
	}
}

// unknownFieldMessage explains an unknown key with the closest valid one.
func unknownFieldMessage(name string, valid []string) string {
	if s := didYouMean(name, valid); s != "" {
		return "unknown field; " + s
	}
	return "unknown field (valid fields: " + strings.Join(valid, ", ") + ")"
}

// nodeDecoder is implemented by the union types (requirements, replicate_local_python_environment).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string) bool
}

var (
	stringPtrType = reflect.TypeOf((*string)(nil))
	boolPtrType   = reflect.TypeOf((*bool)(nil))
	intPtrType    = reflect.TypeOf((*int)(nil))
	floatPtrType  = reflect.TypeOf((*float64)(nil))
	stringsType   = reflect.TypeOf([]string(nil))
	anyMapType    = reflect.TypeOf(map[string]any(nil))
)

// decodeField decodes a non-null value into one struct field according to its Go type.
func (d *decoder) decodeField(n *yaml.Node, path string, f fieldInfo, fv reflect.Value) {
	switch t := fv.Type(); {
	case t == stringPtrType:
		if s, ok := d.str(n, path); ok && d.inEnum(n, path, s, f.enum) {
			fv.Set(reflect.ValueOf(&s))
		}
	case t == boolPtrType:
		if b, ok := d.boolean(n, path); ok {
			fv.Set(reflect.ValueOf(&b))
		}
	case t == intPtrType:
		if i, ok := d.integer(n, path); ok {
			fv.Set(reflect.ValueOf(&i))
		}
	case t == floatPtrType:
		if x, ok := d.number(n, path); ok {
			fv.Set(reflect.ValueOf(&x))
		}
	case t == stringsType:
		if l, ok := d.strings(n, path); ok {
			fv.Set(reflect.ValueOf(l))
		}
	case t == anyMapType:
		if m, ok := d.anyMap(n, path, f.mode); ok {
			fv.Set(reflect.ValueOf(m))
		}
	case t.Kind() == reflect.Pointer && reflect.PointerTo(t.Elem()).Implements(reflect.TypeOf((*nodeDecoder)(nil)).Elem()):
		v := reflect.New(t.Elem())
		if v.Interface().(nodeDecoder).decodeNode(d, n, path) {
			fv.Set(v)
		}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		v := reflect.New(t.Elem())
		before := len(d.errs)
		d.decodeStruct(n, path, v)
		if len(d.errs) == before {
			fv.Set(v)
		}
	default:
		// Only reachable if a field of an unsupported type is added to a settings struct.
		d.fail(n, path, "internal error: unsupported field type "+t.String(), "")
	}
}

// inEnum checks an enum string field and suggests the closest allowed value.
func (d *decoder) inEnum(n *yaml.Node, path, s string, enum []string) bool {
	if len(enum) == 0 {
		return true
	}
	for _, e := range enum {
		if s == e {
			return true
		}
	}
	msg := fmt.Sprintf("invalid value %q; expected one of: %s", s, strings.Join(enum, ", "))
	if hint := didYouMean(s, enum); hint != "" {
		msg += "; " + hint
	}
	d.fail(n, path, msg, "")
	return false
}

// scalar returns n as a scalar node, or records a type error naming the expected type.
func (d *decoder) scalar(n *yaml.Node, path, want, fix string) *yaml.Node {
	s := deref(n)
	if s == nil || s.Kind != yaml.ScalarNode {
		d.fail(n, path, fmt.Sprintf("expected %s, got %s", want, describe(n)), fix)
		return nil
	}
	return s
}

// str accepts YAML strings (and dates, which unquoted look like strings to the user).
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	s := d.scalar(n, path, "a string", "")
	if s == nil {
		return "", false
	}
	switch s.ShortTag() {
	case "!!str", "!!timestamp":
		return s.Value, true
	}
	d.fail(n, path, "expected a string, got "+describe(s), fmt.Sprintf("quote the value: %q", s.Value))
	return "", false
}

// boolean accepts only true/false: "yes" or "1" for a switch is more often a mistake than intent.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	s := d.scalar(n, path, "a boolean (true or false)", "")
	if s == nil {
		return false, false
	}
	var b bool
	if s.ShortTag() != "!!bool" || s.Decode(&b) != nil {
		d.fail(n, path, "expected a boolean (true or false), got "+describe(s), "write true or false, without quotes")
		return false, false
	}
	return b, true
}

// integer reads an integer as ZenML's pydantic does in lax mode (gpu_count is the only integer
// field): an integer, a number without a fractional part (1.0), a boolean (true is 1), or a
// string holding an integer (" 1 ", "+1", "1_000", "1.0"), since real configurations quote it.
func (d *decoder) integer(n *yaml.Node, path string) (int, bool) {
	s := d.scalar(n, path, "an integer", "")
	if s == nil {
		return 0, false
	}
	var i int
	ok := false
	switch s.ShortTag() {
	case "!!int":
		ok = s.Decode(&i) == nil
	case "!!float":
		var x float64
		if s.Decode(&x) == nil && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			i, ok = int(x), true
		}
	case "!!bool":
		var b bool
		if s.Decode(&b) == nil {
			i, ok = boolInt(b), true
		}
	case "!!str":
		i, ok = laxInt(s.Value)
	}
	if !ok {
		d.fail(n, path, "expected an integer, got "+describe(s), "write a whole number, e.g. 1")
		return 0, false
	}
	return i, true
}

// number reads a number as ZenML's pydantic does in lax mode (cpu_count is the only number
// field): an integer or a number, a boolean (true is 1), or a string holding a number (" 8 ",
// "8.0", "1e1", "1_000"). Infinity and NaN are refused: no machine has them, and the resolved
// settings are hashed as JSON, which cannot hold them.
func (d *decoder) number(n *yaml.Node, path string) (float64, bool) {
	s := d.scalar(n, path, "a number", "")
	if s == nil {
		return 0, false
	}
	var x float64
	ok := false
	switch s.ShortTag() {
	case "!!int", "!!float":
		ok = s.Decode(&x) == nil
	case "!!bool":
		var b bool
		if s.Decode(&b) == nil {
			x, ok = float64(boolInt(b)), true
		}
	case "!!str":
		x, ok = laxFloat(s.Value)
	}
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		d.fail(n, path, "expected a finite number, got "+describe(s), "write a number, e.g. 2 or 0.5")
		return 0, false
	}
	return x, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// laxIntRE is what pydantic parses as an integer from a string (after trimming whitespace):
// digits with single underscores between them, optionally followed by a zero fraction.
var laxIntRE = regexp.MustCompile(`^[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?$`)

// laxInt parses a string as pydantic's lax mode does for an int field.
func laxInt(text string) (int, bool) {
	t := strings.TrimSpace(text)
	if !laxIntRE.MatchString(t) {
		return 0, false
	}
	t, _, _ = strings.Cut(strings.ReplaceAll(t, "_", ""), ".")
	i, err := strconv.Atoi(t)
	return i, err == nil
}

// laxFloatRE is a decimal number with optional exponent, underscores only between digits (as
// Python's float() reads a string); infinity and NaN are refused later anyway.
var laxFloatRE = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:_[0-9]+)*(?:\.(?:[0-9]+(?:_[0-9]+)*)?)?|\.[0-9]+(?:_[0-9]+)*)(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?$`)

// laxFloat parses a string as pydantic's lax mode does for a float field.
func laxFloat(text string) (float64, bool) {
	t := strings.TrimSpace(text)
	if !laxFloatRE.MatchString(t) {
		return 0, false
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	return x, err == nil
}

// strings decodes a list of strings; a single string is the most common mistake, so the fix
// shows the list form.
func (d *decoder) strings(n *yaml.Node, path string) ([]string, bool) {
	l := deref(n)
	if l == nil || l.Kind != yaml.SequenceNode {
		fix := ""
		if l != nil && l.Kind == yaml.ScalarNode {
			fix = fmt.Sprintf("write a list: [%s] or one item per line starting with \"- \"", l.Value)
		}
		d.fail(n, path, "expected a list of strings, got "+describe(n), fix)
		return nil, false
	}
	out := make([]string, 0, len(l.Content))
	ok := true
	for i, item := range l.Content {
		field := fmt.Sprintf("%s[%d]", path, i)
		if !d.spend(item, field) {
			return nil, false
		}
		s, good := d.str(item, field)
		if !good {
			ok = false
			continue
		}
		d.pos[field] = nodePos(item)
		out = append(out, s)
	}
	return out, ok
}

// anyMap decodes a mapping of free-form values. mode "env" and "args" allow only scalar values;
// "env" also drops null values (null means "not set", so a step's null never hides the
// pipeline's value), while "args" keeps them (a null installer arg is a flag).
func (d *decoder) anyMap(n *yaml.Node, path, mode string) (map[string]any, bool) {
	m := d.mapping(n, path, "a mapping")
	if m == nil {
		return nil, false
	}
	out := map[string]any{}
	var order []string
	ok := true
	for _, p := range d.pairs(m, path) {
		key := deref(p.key).Value
		field := joinPath(path, key)
		if mode != "" {
			if v := deref(p.value); v == nil || v.Kind != yaml.ScalarNode {
				d.fail(p.value, field, "expected a string, number, boolean or null, got "+describe(p.value),
					"write the value as one string")
				ok = false
				continue
			}
		}
		if mode == "env" && isNull(p.value) {
			continue
		}
		v, good := d.anyValue(p.value, field, 0)
		if !good {
			ok = false
			continue
		}
		d.pos[field] = nodePos(p.key)
		out[key] = v
		order = append(order, key)
	}
	d.order[path] = order
	return out, ok
}

// anyValue decodes any YAML value into nil, bool, int64, float64, string, []any or map[string]any.
func (d *decoder) anyValue(n *yaml.Node, path string, depth int) (any, bool) {
	if !d.spend(n, path) {
		return nil, false
	}
	v := deref(n)
	if v == nil {
		d.fail(n, path, "alias chain too long or cyclic", "")
		return nil, false
	}
	if depth > maxDepth {
		d.fail(n, path, fmt.Sprintf("value nested deeper than %d levels", maxDepth), "")
		return nil, false
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return scalarValue(v), true
	case yaml.SequenceNode:
		out := make([]any, 0, len(v.Content))
		for i, item := range v.Content {
			x, ok := d.anyValue(item, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case yaml.MappingNode:
		out := map[string]any{}
		for _, p := range d.pairs(v, path) {
			key := deref(p.key).Value
			x, ok := d.anyValue(p.value, joinPath(path, key), depth+1)
			if !ok {
				return nil, false
			}
			out[key] = x
		}
		return out, true
	}
	d.fail(n, path, "unsupported YAML value", "")
	return nil, false
}

// scalarValue types a scalar by its YAML tag. Values that do not fit Go's types (huge integers,
// NaN) keep their text, which is also what Python's str() would print for most of them.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var x float64
		if n.Decode(&x) == nil {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return pyFloat(x)
			}
			return x
		}
	}
	return n.Value
}

// decodeNode decodes `requirements`: a list of specifiers or a requirements file path.
func (r *Requirements) decodeNode(d *decoder, n *yaml.Node, path string) bool {
	v := deref(n)
	if v != nil && v.Kind == yaml.ScalarNode {
		s, ok := d.str(n, path)
		r.File, r.IsFile = s, true
		return ok
	}
	if v != nil && v.Kind == yaml.SequenceNode {
		l, ok := d.strings(n, path)
		r.List = l
		return ok
	}
	d.fail(n, path, "expected a list of requirement specifiers or the path of a requirements file, got "+describe(n),
		"write e.g. [\"pandas>=2\"] or requirements.txt")
	return false
}

// localEnvironmentMethods are the values of ZenML's PythonEnvironmentExportMethod.
var localEnvironmentMethods = []string{string(LocalEnvironmentPipFreeze), string(LocalEnvironmentUVFreeze), string(LocalEnvironmentPoetryExport)}

// decodeNode decodes `replicate_local_python_environment`: bool | an export method | command list.
func (l *LocalEnvironment) decodeNode(d *decoder, n *yaml.Node, path string) bool {
	v := deref(n)
	switch {
	case v != nil && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool":
		b, ok := d.boolean(n, path)
		l.Enabled, l.IsBool = b, true
		return ok
	case v != nil && v.Kind == yaml.ScalarNode:
		s, ok := d.str(n, path)
		if !ok || !d.inEnum(n, path, s, localEnvironmentMethods) {
			return false
		}
		l.Enabled, l.Method = true, s
		return true
	case v != nil && v.Kind == yaml.SequenceNode:
		c, ok := d.strings(n, path)
		l.Enabled, l.Command = true, c
		return ok
	}
	d.fail(n, path, "expected true, false, \"pip_freeze\", \"uv_freeze\", \"poetry_export\" or a command as a list of strings, got "+describe(n), "")
	return false
}
