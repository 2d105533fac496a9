// Package wire owns the messages that Supvisors 0.19 instances exchange,
// as pure values: no sockets, no clocks. The peer driver builds them,
// sends them with internal/xmlrpc and hands what it receives back here.
//
// What travels, and how:
//
//   - Publications go from an instance to each of its peers, and
//     notifications from an instance's helper threads to its own
//     supervisord. Both ride on Supervisor's
//     supervisor.sendRemoteCommEvent(type, data): type is TypePublication
//     or TypeNotification, data is the JSON text
//     [[identifier, nick, [ip, http_port]], [code, body]] (see Message,
//     Encode and Decode). The origin triple names the sender of a
//     publication, and the peer concerned by a notification. The answer
//     is always True, sent once the receiver has processed the message.
//   - The handshake (CHECK_INSTANCE) is five plain XML-RPC calls on the
//     checked peer, in the order of HandshakeMethods. Their answers are
//     NetworkInfo, InstanceInfoList, Strategies, a one-item []StateModes
//     and ProcessInfoList; each has an XMLRPC method for the serving side
//     and a ...FromXMLRPC function for the calling side.
//   - Discovery, when multicast is configured, is one UDP datagram per
//     tick holding an Announcement.
//
// The JSON is written exactly as Python's json.dumps does by default
// (", " and ": " separators, non-ASCII escaped, floats in repr form such as
// 3193.167628272 or 1e-05, dict members in the sender's insertion order),
// so that our bytes equal a Python peer's for the same values. Receivers
// in Python use json.loads and would accept any valid JSON; the exact
// form matters for captures, golden tests and REMOTE_COMMUNICATION event
// listeners that compare text.
//
// Which fields matter: a TICK's sequence_counter (a decrease means the
// peer restarted) and when; a PROCESS event's identifier, group, name,
// state and now_monotonic (a forced event only applies if no newer event
// was seen); a STATE's fsm_statecode, master_identifier and
// instance_states (the election compares them between instances); the
// handshake's statecode from get_instance_info (5 means the caller is
// isolated) and strategy equality. Members a payload type does not know
// are kept in its Extra field, so that re-encoding loses nothing.
package wire
