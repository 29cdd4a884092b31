//go:build js && wasm

// Package browser is the thin glue between the clients' plain Go and the
// browser: the few DOM calls the pages' screens need, straight over
// syscall/js, and the values both clients hand to and take from
// JavaScript (values.go). It replaces honnef.co/go/js/dom/v2, whose interfaces keep
// every method of every element type alive in the binary (about 130 KB of
// gzip for a page that uses a handful).
package browser

import "syscall/js"

// Node is a DOM element or text node. Functions that find a node return
// nil when there is none, so callers test for nil as they would in
// JavaScript.
type Node struct{ v js.Value }

func wrap(v js.Value) *Node {
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	return &Node{v}
}

func document() js.Value { return js.Global().Get("document") }

// Document is the page's document.
func Document() js.Value { return document() }

// ByID is document.getElementById(id).
func ByID(id string) *Node { return wrap(document().Call("getElementById", id)) }

// Body is document.body.
func Body() *Node { return wrap(document().Get("body")) }

// Element makes a new element with tag.
func Element(tag string) *Node { return &Node{document().Call("createElement", tag)} }

// Text makes a new text node holding s.
func Text(s string) *Node { return &Node{document().Call("createTextNode", s)} }

// Value is the node as JavaScript sees it, for properties this package
// does not wrap.
func (n *Node) Value() js.Value { return n.v }

func (n *Node) SetAttribute(name, value string) { n.v.Call("setAttribute", name, value) }
func (n *Node) RemoveAttribute(name string)     { n.v.Call("removeAttribute", name) }
func (n *Node) AppendChild(c *Node)             { n.v.Call("appendChild", c.v) }
func (n *Node) SetTextContent(s string)         { n.v.Set("textContent", s) }

// ClearChildren removes every child of n.
func (n *Node) ClearChildren() { n.v.Call("replaceChildren") }
