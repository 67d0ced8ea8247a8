// Package swarm lets several Apiary nodes share work through object storage
// alone: heartbeats and the world view built from them, distributed planning
// of a query into fragments over cells, task and result exchange as objects,
// and failure handling by abandonment and retry. Nodes never connect to one
// another.
//
// Imports: exec, txn, objstore, sqlerr; never server.
package swarm
