#!/bin/sh
# Baseline: the usage aggregation in PostgreSQL with numeric arithmetic.
#
#   baseline_sql.sh DSN OUTDIR FILE:LINES...
#
# In a scratch database (ll_bench_baseline) of the cluster that DSN names
# (a libpq connection string; a superuser, as ledgerline's embedded cluster
# gives), this does what a user without ledgerline might write:
#   load     COPY the first LINES lines of each NDJSON FILE into an UNLOGGED
#            table with one jsonb column (psql \copy ... from program 'head')
#   compute  per work, with numeric: Σ value·weight, Σ weight, count, via
#            jsonb_array_elements, into an UNLOGGED table; then the totals
# Both phases are timed separately.  Prints key=value lines on stdout:
#   load_s compute_s events attributions sum_value_weight sum_weight
#   backend_hwm_kb   peak RSS (VmHWM) of the server backend, max over the two
#                    sessions; parallel query workers are separate processes
#                    and not included
#   server_cpu_s     with POSTMASTER_PID set in the environment: CPU seconds
#                    (user + system) of the server processes that ended
#                    during load + compute (the postmaster's cutime + cstime:
#                    backends and parallel workers), so on a busy machine the
#                    cost can be compared without the wall-clock noise
# and writes OUTDIR/sql_works.tsv (work, Σ value·weight, Σ weight, count;
# untimed).  The scratch database is dropped at the end.
set -eu

if [ $# -lt 3 ]; then
	sed -n '2,20p' "$0" >&2
	exit 2
fi
DSN=$1
OUT=$2
shift 2
DB=ll_bench_baseline
BDSN=$(printf '%s\n' "$DSN" | sed 's/dbname=[^ ]*//')" dbname=$DB"
PSQL="psql -X -q -At -v ON_ERROR_STOP=1"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
HWM="SELECT 'backend_hwm_kb=' || substring(pg_read_file('/proc/self/status') from 'VmHWM:[[:space:]]*([0-9]+)');"

now() { date +%s.%N; }
# CPU seconds of the postmaster and its reaped children (backends, workers).
server_cpu() {
	if [ -n "${POSTMASTER_PID:-}" ] && [ -r "/proc/$POSTMASTER_PID/stat" ]; then
		sed 's/^.*) //' "/proc/$POSTMASTER_PID/stat" |
			awk -v hz="$(getconf CLK_TCK)" \
				'{ printf "%.2f", ($12 + $13 + $14 + $15) / hz }'
	else
		echo 0
	fi
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

$PSQL "$DSN" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
trap '$PSQL "$DSN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || :' EXIT

# -- load ---------------------------------------------------------------
script=$OUT/sql_load.sql
{
	echo "CREATE UNLOGGED TABLE ev (doc jsonb NOT NULL);"
	for fl in "$@"; do
		f=${fl%:*}
		n=${fl##*:}
		case $f in *"'"*) echo "quote in path: $f" >&2; exit 2 ;; esac
		printf '%s\n' "\\copy ev (doc) from program 'head -n $n \"$f\"'"
	done
	echo "$HWM"
} >"$script"
c0=$(server_cpu)
t0=$(now)
hwm1=$($PSQL "$BDSN" -f "$script")
t1=$(now)

# -- compute ------------------------------------------------------------
t2=$(now)
res=$($PSQL "$BDSN" <<EOF
CREATE UNLOGGED TABLE usage AS
SELECT a->>'work' AS work,
       sum((e.doc->>'value')::numeric * (a->>'weight')::numeric) AS value_weight,
       sum((a->>'weight')::numeric) AS weight,
       count(*) AS n
  FROM ev e, jsonb_array_elements(e.doc->'attribution') a
 GROUP BY 1;
SELECT 'sum_value_weight=' || sum(value_weight), 'sum_weight=' || sum(weight),
       'attributions=' || sum(n) FROM usage;
$HWM
EOF
)
t3=$(now)
sleep 0.3	# let the postmaster reap the backends
c1=$(server_cpu)

events=$($PSQL "$BDSN" -c "SELECT count(*) FROM ev")
$PSQL "$BDSN" -c "\\copy (SELECT work, value_weight, weight, n FROM usage ORDER BY work) to '$OUT/sql_works.tsv'"

h1=${hwm1#backend_hwm_kb=}
h2=$(printf '%s\n' "$res" | sed -n 's/^backend_hwm_kb=//p')
echo "load_s=$(elapsed "$t0" "$t1")"
echo "compute_s=$(elapsed "$t2" "$t3")"
echo "events=$events"
if [ -n "${POSTMASTER_PID:-}" ]; then
	echo "server_cpu_s=$(elapsed "$c0" "$c1")"
fi
printf '%s\n' "$res" | tr '|' '\n' | grep -v '^backend_hwm_kb='
echo "backend_hwm_kb=$(( h1 > h2 ? h1 : h2 ))"
