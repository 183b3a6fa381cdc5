package settings

import "reflect"

// mergeDocker returns a fresh copy of base (the pipeline level) with over (a step) merged on top,
// ZenML's way (dict_utils.recursive_update with ignore_none): values unset in over are ignored,
// and so are null values at any depth of over's maps (a step's `system: null` installer option
// or `A: null` build arg is dropped, not a flag); maps and nested build configs merge key by
// key, lists and scalars replace. Neither argument is modified, so a Config can be resolved any
// number of times.
func mergeDocker(base, over *DockerSettings) *DockerSettings {
	out := &DockerSettings{}
	mergeStruct(reflect.ValueOf(out).Elem(), base, false)
	mergeStruct(reflect.ValueOf(out).Elem(), over, true)
	return out
}

// mergeResources is mergeDocker for resource settings.
func mergeResources(base, over *ResourceSettings) *ResourceSettings {
	out := &ResourceSettings{}
	mergeStruct(reflect.ValueOf(out).Elem(), base, false)
	mergeStruct(reflect.ValueOf(out).Elem(), over, true)
	return out
}

// mergeStruct merges the struct src points to (may be nil) into dst (a settable struct value);
// ignoreNone drops null values in src's maps.
func mergeStruct(dst reflect.Value, src any, ignoreNone bool) {
	sv := reflect.ValueOf(src)
	if sv.IsNil() {
		return
	}
	sv = sv.Elem()
	for i := 0; i < sv.NumField(); i++ {
		mergeValue(dst.Field(i), sv.Field(i), ignoreNone)
	}
}

// mergeValue merges one field.
func mergeValue(dst, src reflect.Value, ignoreNone bool) {
	if src.IsNil() {
		return // unset: keep what the lower level said
	}
	switch {
	case src.Type() == anyMapType:
		var base map[string]any
		if !dst.IsNil() {
			base = dst.Interface().(map[string]any)
		}
		dst.Set(reflect.ValueOf(mergeAnyMaps(base, src.Interface().(map[string]any), ignoreNone)))
	case src.Kind() == reflect.Pointer && src.Elem().Kind() == reflect.Struct && src.Type().Elem() == reflect.TypeOf(DockerBuildConfig{}):
		out := &DockerBuildConfig{}
		if !dst.IsNil() {
			mergeStruct(reflect.ValueOf(out).Elem(), dst.Interface(), false)
		}
		mergeStruct(reflect.ValueOf(out).Elem(), src.Interface(), ignoreNone)
		dst.Set(reflect.ValueOf(out))
	default:
		dst.Set(deepCopy(src))
	}
}

// mergeAnyMaps returns a new map: base with over's keys on top; nested maps merge recursively,
// everything else replaces. With ignoreNone it is ZenML's recursive_update(ignore_none=True):
// null values in over are skipped at every depth, and a nested map replaces a base value that is
// set and not a map (keeping its nulls) but merges into one that is unset or empty.
func mergeAnyMaps(base, over map[string]any, ignoreNone bool) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = copyAny(v)
	}
	for k, v := range over {
		if ignoreNone && v == nil {
			continue
		}
		om, ook := v.(map[string]any)
		if !ook {
			out[k] = copyAny(v)
			continue
		}
		bv := out[k]
		if ignoreNone && pyFalsy(bv) {
			bv = map[string]any{} // Python's `original.get(key) or {}`
		}
		if bm, bok := bv.(map[string]any); bok {
			out[k] = mergeAnyMaps(bm, om, ignoreNone)
			continue
		}
		out[k] = copyAny(v)
	}
	return out
}

// pyFalsy reports whether Python would read a decoded YAML value as false.
func pyFalsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case int64:
		return x == 0
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// copyAny deep-copies a decoded YAML value.
func copyAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return mergeAnyMaps(nil, x, false)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyAny(e)
		}
		return out
	}
	return v
}

// deepCopy copies pointers, slices and the union types so that results never alias the Config.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(v.Elem())
		if e := out.Elem(); e.Kind() == reflect.Struct {
			for i := 0; i < e.NumField(); i++ {
				if f := e.Field(i); f.Kind() == reflect.Slice && !f.IsNil() {
					f.Set(deepCopy(f))
				}
			}
		}
		return out
	case reflect.Slice:
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(out, v)
		return out
	}
	return v
}
