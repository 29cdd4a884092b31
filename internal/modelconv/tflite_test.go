package modelconv

import (
	"fmt"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

func tflite(t *testing.T, kind string) []byte {
	t.Helper()
	b, err := BlazeFaceTFLite(kind)
	if err != nil {
		t.Fatal(err) // says to run npm ci
	}
	return b
}

// TestReadBlazeFace reads both BlazeFace files: their inputs and outputs,
// and an op list made only of ops the nn core implements, the weights
// float16 behind DEQUANTIZE as the package ships them.
func TestReadBlazeFace(t *testing.T) {
	for _, c := range []struct {
		kind    string
		in      []int
		anchors int
		ops     map[string]int
	}{
		{"blazeface-short", []int{1, 128, 128, 3}, 896, map[string]int{"ADD": 16, "CONCATENATION": 2, "CONV_2D": 21, "DEPTHWISE_CONV_2D": 16, "DEQUANTIZE": 74, "MAX_POOL_2D": 3, "PAD": 11, "RELU": 17, "RESHAPE": 4}},
		{"blazeface-full", []int{1, 192, 192, 3}, 2304, map[string]int{"ADD": 23, "CONV_2D": 49, "DEPTHWISE_CONV_2D": 40, "DEQUANTIZE": 178, "MAX_POOL_2D": 4, "PAD": 8, "RELU": 47, "RESHAPE": 2, "RESIZE_BILINEAR": 3}},
	} {
		m, err := ReadTFLite(tflite(t, c.kind))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(m.Tensors[m.Inputs[0]].Shape) != fmt.Sprint(c.in) {
			t.Errorf("%s input %v", c.kind, m.Tensors[m.Inputs[0]].Shape)
		}
		if len(m.Outputs) != 2 || fmt.Sprint(m.Tensors[m.Outputs[0]].Shape) != fmt.Sprint([]int{1, c.anchors, 16}) || fmt.Sprint(m.Tensors[m.Outputs[1]].Shape) != fmt.Sprint([]int{1, c.anchors, 1}) {
			t.Errorf("%s outputs %v %v", c.kind, m.Tensors[m.Outputs[0]].Shape, m.Tensors[m.Outputs[1]].Shape)
		}
		got := map[string]int{}
		for _, op := range m.Ops {
			got[OpName(op.Code)]++
			if op.Code == OpDequantize && m.Tensors[op.Inputs[0]].Type != TypeFloat16 {
				t.Errorf("%s: DEQUANTIZE of type %d", c.kind, m.Tensors[op.Inputs[0]].Type)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.ops) {
			t.Errorf("%s ops %v, want %v", c.kind, got, c.ops)
		}
	}
}

// TestConvertStable: conversion is a pure function of the file (the build
// is reproducible), names the weights as TFLite does, and loses nothing,
// since the weights already are float16.
func TestConvertStable(t *testing.T) {
	src := tflite(t, "blazeface-short")
	a, err := EncodeImageGraph(src)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := EncodeImageGraph(src)
	if string(a) != string(b) {
		t.Fatal("two conversions differ")
	}
	w, err := nn.Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	k, err := w.Get("conv2d/Kernel", 24, 5, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := ReadTFLite(src)
	for _, tt := range m.Tensors {
		if tt.Name == "conv2d/Kernel" {
			want, _ := tt.Floats()
			for i := range want {
				if want[i] != k.Data[i] {
					t.Fatalf("conv2d/Kernel[%d] = %g, want %g", i, k.Data[i], want[i])
				}
			}
		}
	}
	if n := len(w.Names()); n != 1+2*(21+16) {
		t.Errorf("%d tensors, want the graph and a kernel and bias per conv", n)
	}
}

// TestReadTFLiteDamaged: truncated or corrupted files are errors, never
// panics.
func TestReadTFLiteDamaged(t *testing.T) {
	src := tflite(t, "blazeface-short")
	for _, n := range []int{0, 4, 8, 16, 100, 1000, len(src) / 2} {
		if m, err := ReadTFLite(src[:n]); err == nil {
			if _, err := ConvertImageGraph(m); err == nil {
				t.Errorf("file cut to %d bytes converted", n)
			}
		}
	}
	// flip bytes through the header and tables: each must fail cleanly or parse
	for i := 8; i < 4000; i += 7 {
		b := append([]byte(nil), src...)
		b[i] ^= 0xa5
		if m, err := ReadTFLite(b); err == nil {
			ConvertImageGraph(m)
		}
	}
}

// TestEncodeBlazeFaceKind: each kind takes only its own file.
func TestEncodeBlazeFaceKind(t *testing.T) {
	short, full := tflite(t, "blazeface-short"), tflite(t, "blazeface-full")
	if _, err := EncodeBlazeFace("blazeface-full", short); err == nil {
		t.Error("short-range file accepted as full range")
	}
	if _, err := EncodeBlazeFace("blazeface-short", full); err == nil {
		t.Error("full-range file accepted as short range")
	}
	if _, err := EncodeBlazeFace("blazeface-full", full); err != nil {
		t.Error(err)
	}
}
