// Package xmlrpc owns everything XML-RPC in supvisors-go: the codec used by
// both sides of the wire (methodCall, methodResponse and fault, every
// XML-RPC type), the method dispatcher with Supervisor's name rules and its
// mapping of error kinds to faults, the system.* introspection methods and
// system.multicall, and a small client (HTTP and unix sockets) used by
// supvisorsctl, peers and benchmarks.
//
// Go value model, shared by encoding and decoding:
//
//	int, int32, int64 (and other sized ints) <-> <int> within int32, else <i8>
//	bool                                     <-> <boolean>
//	string                                   <-> <string> (an untyped <value> decodes as string)
//	float64                                  <-> <double>
//	time.Time                                <-> <dateTime.iso8601>
//	[]byte                                   <-> <base64>
//	[]any (and other slices)                 <-> <array>
//	map[string]any (sorted keys), Struct     <-> <struct> (decoded as map[string]any)
//	Go structs (field order, xmlrpc tags)     -> <struct> (Unmarshal fills them back)
//	nil                                      <-> <nil/>
//
// Decoded integers are always int. The package depends on nothing of ours
// except errdefs: fault codes come from there, and the mapping from an error
// kind to a <fault> happens here and nowhere else.
package xmlrpc
