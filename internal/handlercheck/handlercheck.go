// Package handlercheck finds HTTP handlers that write state outside themselves: a captured variable
// of the constructor that built them, a receiver field, or a package variable. Such a write carries
// one request's data into the next (round one stored every citizen's consent decision as the first
// one made after start) and is a data race. The check runs as a test over the whole module.
package handlercheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// Marker, in a comment on the line of a write or the line above it, says that the write is shared
// on purpose; the comment should say why that is safe.
const Marker = "handlercheck:shared"

// Finding is one write from inside a handler to state declared outside it.
type Finding struct {
	Pos  token.Position
	Name string // the variable written
	Func string // the handler, as "file:line"
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: handler at %s writes %q, which outlives the request", f.Pos, f.Func, f.Name)
}

// Dir checks every non-test Go file of the product under root. Test helpers (folders ending in
// "test", such as oidctest's deliberately stateful provider), internal/ scaffolding, testdata and
// vendor are skipped.
func Dir(root string) ([]Finding, error) {
	var out []Finding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case name == "testdata", name == "vendor", name == ".git", name == "node_modules",
				strings.HasSuffix(name, "test") && path != root, name == "internal" && path != root:
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fs, err := File(path)
		if err != nil {
			return err
		}
		out = append(out, fs...)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Pos.String() < out[j].Pos.String() })
	return out, err
}

// File checks one Go source file.
func File(path string) ([]Finding, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	// A write that is shared on purpose (behind a lock, say) carries the marker in a comment on its
	// line or the line above, with the reason.
	allowed := map[int]bool{}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.Contains(c.Text, Marker) {
				line := fset.Position(c.Pos()).Line
				allowed[line], allowed[line+1] = true, true
			}
		}
	}
	var out []Finding
	ast.Inspect(f, func(n ast.Node) bool {
		var typ *ast.FuncType
		var body *ast.BlockStmt
		var recv *ast.FieldList
		switch fn := n.(type) {
		case *ast.FuncDecl:
			typ, body, recv = fn.Type, fn.Body, fn.Recv
		case *ast.FuncLit:
			typ, body = fn.Type, fn.Body
		default:
			return true
		}
		if body == nil || !isHandler(typ) {
			return true
		}
		// A handler's own scope: its parameters and body. The receiver is shared by every request.
		lo, hi := typ.Pos(), body.End()
		if recv != nil {
			lo = typ.Params.Pos()
		}
		where := fset.Position(n.Pos())
		report := func(id *ast.Ident) {
			if id == nil || id.Name == "_" {
				return
			}
			if allowed[fset.Position(id.Pos()).Line] {
				return
			}
			if id.Obj != nil {
				if p := declPos(id.Obj); p.IsValid() && p >= lo && p < hi {
					return // declared inside the handler: request-local
				}
			}
			out = append(out, Finding{Pos: fset.Position(id.Pos()), Name: id.Name,
				Func: fmt.Sprintf("%s:%d", filepath.Base(where.Filename), where.Line)})
		}
		ast.Inspect(body, func(m ast.Node) bool {
			switch s := m.(type) {
			case *ast.AssignStmt:
				if s.Tok == token.DEFINE {
					return true
				}
				for _, l := range s.Lhs {
					report(root(l))
				}
			case *ast.IncDecStmt:
				report(root(s.X))
			case *ast.RangeStmt:
				if s.Tok == token.ASSIGN {
					report(root(s.Key))
					report(root(s.Value))
				}
			}
			return true
		})
		return true
	})
	return out, nil
}

// isHandler reports whether a function takes a request: a *fiber.Ctx or a *http.Request.
func isHandler(t *ast.FuncType) bool {
	if t.Params == nil {
		return false
	}
	for _, p := range t.Params.List {
		star, ok := p.Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		if sel, ok := star.X.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && ((pkg.Name == "fiber" && sel.Sel.Name == "Ctx") ||
				(pkg.Name == "http" && sel.Sel.Name == "Request")) {
				return true
			}
		}
	}
	return false
}

// root returns the variable at the bottom of x.f[i].g — the thing a write changes.
func root(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil // a call's result, a composite literal: not a named variable
		}
	}
}

func declPos(o *ast.Object) token.Pos {
	if n, ok := o.Decl.(ast.Node); ok {
		return n.Pos()
	}
	return token.NoPos
}
