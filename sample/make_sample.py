"""Writes products.jsonl: a small, synthetic catalogue for the quickstart.

Deterministic (fixed seed); run `python3 sample/make_sample.py` to rebuild.
Each product has a name, category, price, rating, a description and an
8-dimensional unit `embedding` whose direction depends on the category, so
nearest neighbours of a product tend to share its category.
"""
import json, math, random

random.seed(7)
categories = {
    "kitchen": (["kettle", "chef knife", "cutting board", "espresso grinder", "cast iron pan", "blender"],
                ["stainless steel", "dishwasher safe", "ergonomic handle", "fast boil", "non-stick"]),
    "outdoor": (["tent", "sleeping bag", "trail backpack", "headlamp", "water filter", "camp stove"],
                ["waterproof", "lightweight", "four season", "rechargeable", "packable"]),
    "audio": (["headphones", "bookshelf speaker", "turntable", "earbuds", "soundbar", "microphone"],
              ["noise cancelling", "wireless", "studio quality", "deep bass", "long battery life"]),
    "books": (["cookbook", "field guide", "novel", "atlas", "poetry collection", "history of jazz"],
              ["hardcover", "illustrated", "award winning", "first edition", "paperback"]),
    "garden": (["pruning shears", "watering can", "raised bed", "seed kit", "compost bin", "hose reel"],
               ["rust resistant", "organic", "heavy duty", "self watering", "compact"]),
}
brands = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell"]
axis = {c: i for i, c in enumerate(categories)}

rows = []
for i in range(400):
    cat = random.choice(list(categories))
    items, traits = categories[cat]
    item = random.choice(items)
    t1, t2 = random.sample(traits, 2)
    brand = random.choice(brands)
    vec = [random.gauss(0, 0.35) for _ in range(8)]
    vec[axis[cat]] += 1.0
    norm = math.sqrt(sum(v * v for v in vec))
    rows.append({
        "sku": f"P{i:04d}",
        "name": f"{brand} {item}",
        "category": cat,
        "price": round(random.uniform(5, 400), 2),
        "rating": round(random.uniform(2.5, 5.0), 1),
        "description": f"A {t1}, {t2} {item} by {brand}. Great for {cat} lovers.",
        "embedding": [round(v / norm, 5) for v in vec],
    })

with open(__file__.replace("make_sample.py", "products.jsonl"), "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
