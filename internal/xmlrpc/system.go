package xmlrpc

import (
	"context"
	"slices"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// The help texts are our own words; Supervisor returns its docstrings.
func (d *Dispatcher) registerSystem() {
	d.Register(Method{
		Name:      "system.listMethods",
		Signature: []string{"array"},
		Help:      "Return the sorted names of every method this server publishes.\n\n@return array result  The method names (strings).",
		Handler: func(context.Context, []any) (any, error) {
			return d.Names(), nil
		},
	})
	d.Register(Method{
		Name:      "system.methodHelp",
		Signature: []string{"string", "string"},
		Help:      "Return the documentation of a method.\n\n@param string name   The method name.\n@return string result The documentation text.",
		Handler: func(_ context.Context, params []any) (any, error) {
			m, err := d.introspected(params)
			if err != nil {
				return nil, err
			}
			return m.Help, nil
		},
	})
	d.Register(Method{
		Name:      "system.methodSignature",
		Signature: []string{"array", "string"},
		Help:      "Return the signature of a method as [rtype, ptype, ptype...].\n\n@param string name  The method name.\n@return array result  The return type then the parameter types.",
		Handler: func(_ context.Context, params []any) (any, error) {
			m, err := d.introspected(params)
			if err != nil {
				return nil, err
			}
			if len(m.Signature) == 0 {
				return nil, errdefs.New(errdefs.SignatureUnsupported, "")
			}
			return slices.Clone(m.Signature), nil
		},
	})
	d.Register(Method{
		Name:      "system.multicall",
		Signature: []string{"array", "array"},
		Help: "Run an array of calls, each a struct {'methodName': string, 'params': array}, in order, " +
			"and return an array holding, for each call, its value or a struct {'faultCode': int, 'faultString': string}.\n\n" +
			"@param array calls  The calls to make.\n@return array result  One result per call.",
		Handler: d.multicall,
	})
}

func (d *Dispatcher) introspected(params []any) (Method, error) {
	args := Args(params)
	if err := args.Count(1, 1); err != nil {
		return Method{}, err
	}
	// Supervisor looks any value up among the method names, so a
	// non-string is simply not found.
	v, err := args.Any(0)
	if err != nil {
		return Method{}, err
	}
	name, _ := v.(string)
	m, ok := d.lookup(name)
	if !ok {
		return Method{}, errdefs.New(errdefs.SignatureUnsupported, "")
	}
	return m, nil
}

// multicall runs the calls one after the other: a call that blocks (a
// start with wait) holds back the ones after it, as in Supervisor. Each
// result is the bare value or the fault's struct form.
func (d *Dispatcher) multicall(ctx context.Context, params []any) (any, error) {
	args := Args(params)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	calls, err := args.Array(0)
	if err != nil {
		return nil, err
	}
	results := make([]any, 0, len(calls))
	for _, c := range calls {
		v, err := d.oneOfMulticall(ctx, c)
		if err != nil {
			f := FaultOf(err)
			v = map[string]any{"faultCode": int(f.Code), "faultString": f.String}
		}
		results = append(results, v)
	}
	return results, nil
}

func (d *Dispatcher) oneOfMulticall(ctx context.Context, c any) (any, error) {
	call, ok := c.(map[string]any)
	if !ok {
		return nil, errdefs.New(errdefs.IncorrectParameters, "")
	}
	name, ok := call["methodName"].(string)
	if !ok {
		return nil, errdefs.New(errdefs.IncorrectParameters, "No methodName")
	}
	if name == "system.multicall" {
		return nil, errdefs.New(errdefs.IncorrectParameters, "Recursive system.multicall forbidden")
	}
	params := []any{}
	if p, present := call["params"]; present {
		if params, ok = p.([]any); !ok {
			return nil, errdefs.New(errdefs.IncorrectParameters, "")
		}
	}
	return d.Call(ctx, name, params)
}
