package transform

import "github.com/goccy/go-yaml/ast"

// resolveAliases replaces every alias (*name) in the file with the node its anchor (&name)
// marks, so that a part of the file (the mappings section, one field) decodes on its own even
// when it refers to an anchor defined elsewhere, such as a shared time format under a top-level
// "x-" key. Anchors come before their aliases in YAML, so one walk in document order does it.
// Positions inside an alias's content are those of the anchor's definition. An alias without
// an anchor stays, and the decoder reports it with its line.
func resolveAliases(file *ast.File) {
	anchors := map[string]ast.Node{}
	for _, doc := range file.Docs {
		doc.Body = resolveNode(doc.Body, anchors)
	}
}

func resolveNode(n ast.Node, anchors map[string]ast.Node) ast.Node {
	switch x := n.(type) {
	case *ast.AliasNode:
		if x.Value != nil {
			if target, ok := anchors[x.Value.GetToken().Value]; ok && target != nil {
				return target
			}
		}
	case *ast.AnchorNode:
		x.Value = resolveNode(x.Value, anchors)
		if x.Name != nil {
			anchors[x.Name.GetToken().Value] = x.Value
		}
	case *ast.DocumentNode:
		x.Body = resolveNode(x.Body, anchors)
	case *ast.TagNode:
		x.Value = resolveNode(x.Value, anchors)
	case *ast.MappingNode:
		for _, mv := range x.Values {
			resolveNode(mv, anchors)
		}
	case *ast.MappingValueNode:
		x.Value = resolveNode(x.Value, anchors)
	case *ast.SequenceNode:
		for i, v := range x.Values {
			x.Values[i] = resolveNode(v, anchors)
			if i < len(x.Entries) && x.Entries[i] != nil {
				x.Entries[i].Value = x.Values[i]
			}
		}
	}
	return n
}
