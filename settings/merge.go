package settings

import "reflect"

// mergeDocker returns a fresh copy of base with over merged on top, ZenML's way: values unset in
// over are ignored, maps and nested build configs merge key by key, lists and scalars replace.
// Neither argument is modified, so a Config can be resolved any number of times.
func mergeDocker(base, over *DockerSettings) *DockerSettings {
	out := &DockerSettings{}
	mergeStruct(reflect.ValueOf(out).Elem(), base)
	mergeStruct(reflect.ValueOf(out).Elem(), over)
	return out
}

// mergeResources is mergeDocker for resource settings.
func mergeResources(base, over *ResourceSettings) *ResourceSettings {
	out := &ResourceSettings{}
	mergeStruct(reflect.ValueOf(out).Elem(), base)
	mergeStruct(reflect.ValueOf(out).Elem(), over)
	return out
}

// mergeStruct merges the struct src points to (may be nil) into dst (a settable struct value).
func mergeStruct(dst reflect.Value, src any) {
	sv := reflect.ValueOf(src)
	if sv.IsNil() {
		return
	}
	sv = sv.Elem()
	for i := 0; i < sv.NumField(); i++ {
		mergeValue(dst.Field(i), sv.Field(i))
	}
}

// mergeValue merges one field.
func mergeValue(dst, src reflect.Value) {
	if src.IsNil() {
		return // unset: keep what the lower level said
	}
	switch {
	case src.Type() == anyMapType:
		var base map[string]any
		if !dst.IsNil() {
			base = dst.Interface().(map[string]any)
		}
		dst.Set(reflect.ValueOf(mergeAnyMaps(base, src.Interface().(map[string]any))))
	case src.Kind() == reflect.Pointer && src.Elem().Kind() == reflect.Struct && src.Type().Elem() == reflect.TypeOf(DockerBuildConfig{}):
		out := &DockerBuildConfig{}
		if !dst.IsNil() {
			mergeStruct(reflect.ValueOf(out).Elem(), dst.Interface())
		}
		mergeStruct(reflect.ValueOf(out).Elem(), src.Interface())
		dst.Set(reflect.ValueOf(out))
	default:
		dst.Set(deepCopy(src))
	}
}

// mergeAnyMaps returns a new map: base with over's keys on top; nested maps merge recursively
// (as ZenML's recursive dict update does), everything else replaces.
func mergeAnyMaps(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = copyAny(v)
	}
	for k, v := range over {
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = mergeAnyMaps(bm, om)
			continue
		}
		out[k] = copyAny(v)
	}
	return out
}

// copyAny deep-copies a decoded YAML value.
func copyAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return mergeAnyMaps(nil, x)
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
