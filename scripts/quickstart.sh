#!/usr/bin/env bash
# The quickstart: builds lakeseek, imports the sample catalogue kept in the
# repo into ./lakeseek-data, and runs a few queries.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p lakeseek
lakeseek() { ./target/release/lakeseek --db ./lakeseek-data "$@"; }
set -x
rm -rf ./lakeseek-data
lakeseek import products sample/products.jsonl --text name --text description --vector embedding
lakeseek tables
lakeseek info products
lakeseek sql -c "SELECT count(*) AS products FROM products"
lakeseek sql -c "SELECT category, count(*) AS n, round(avg(price), 2) AS avg_price FROM products GROUP BY category ORDER BY n DESC"
lakeseek sql -c "SELECT sku, name, price FROM products WHERE category = 'audio' AND rating >= 4.5 ORDER BY price LIMIT 5"
lakeseek sql -c "INSERT INTO products (sku, name, category, price, rating, description) VALUES ('P9999', 'Acme kettle', 'kitchen', 39.5, 4.8, 'A fast boil kettle')"
lakeseek sql -c "SELECT _id, sku, name FROM products WHERE sku = 'P9999'"
lakeseek sql -c "SELECT count(*) AS before_insert FROM \"products@1\""
lakeseek sql --format csv -c "SELECT category, max(price) AS top FROM products GROUP BY category ORDER BY category"
lakeseek sql -c "SELECT sku, name, round(_score, 3) AS score, snippet(description, 'noise cancelling speaker') AS snippet FROM fts('products', 'name, description', 'noise cancelling speaker', 3)"
lakeseek sql -c "SELECT sku, name, round(_distance, 4) AS distance FROM vector_search('products', 'embedding', [0.11, -0.23, 0.55, -0.63, 0.05, 0.24, -0.37, 0.21], 3) WHERE price < 300"
lakeseek sql -c "SELECT sku, name, round(_score, 4) AS score, _text_rank, _vector_rank FROM hybrid_search('products', 'name, description', 'bass speaker', 'embedding', [0.11, -0.23, 0.55, -0.63, 0.05, 0.24, -0.37, 0.21], 5)"
lakeseek sql -c "UPDATE products SET price = 34.5 WHERE sku = 'P9999'"
lakeseek sql -c "DELETE FROM products WHERE rating < 2.8"
lakeseek sql -c "SELECT count(*) AS after_delete, (SELECT price FROM products WHERE sku = 'P9999') AS kettle_price FROM products"
lakeseek optimize products
lakeseek check products
