// Package plan turns a parsed SELECT into a tree of colexec operators.
//
// Binding resolves names against scopes of columns (FROM items, outer
// queries for correlated subqueries) and builds typed expr trees with
// PostgreSQL's coercions. Planning is heuristic and rule based, in the
// spirit of "simplicity over features": the FROM list and the WHERE
// conjuncts are planned together, so that single-relation conjuncts are
// pushed into scans (as filters and as cell/row-group pruning ranges),
// equality conjuncts become hash join keys, and joins are ordered greedily
// from the largest relation, building hash tables on the smaller sides.
// EXISTS, IN and their negations become semi and anti joins; correlated
// scalar subqueries with equality correlation become joins against a
// grouped subquery; uncorrelated scalar subqueries run first and become
// constants.
//
// Imports: exec/vec, exec/decimal, exec/expr, exec/colexec, exec/cell, txn, objstore,
// sqlerr and the cockroachdb parser's tree; never exec itself (exec calls
// plan through the Catalog interface it implements).
package plan
