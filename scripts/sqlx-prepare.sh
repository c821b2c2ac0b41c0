#!/usr/bin/env bash
# Regenerates .sqlx/ (the checked queries' offline data) from the migrations,
# so that builds need no database. Run it after changing a query or a
# migration, and commit .sqlx/.
set -euo pipefail
cd "$(dirname "$0")/.."
db="$PWD/target/sqlx-prepare.db"
mkdir -p target
rm -f "$db" "$db-wal" "$db-shm"
python3 - "$db" migrations <<'PY'
import pathlib, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for f in sorted(pathlib.Path(sys.argv[2]).glob("*.sql")):
    con.executescript(f.read_text())
con.commit()
PY
rm -rf .sqlx && mkdir .sqlx
touch src/lib.rs
DATABASE_URL="sqlite://$db" SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/.sqlx" \
  cargo check --features ssr --all-targets
echo "wrote $(ls .sqlx | wc -l) queries to .sqlx/"
