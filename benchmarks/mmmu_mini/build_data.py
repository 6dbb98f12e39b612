"""Rebuild mmmu_mini: 12 self-authored MMMU-style questions and their diagram images (deterministic).

Run from anywhere: `python benchmarks/mmmu_mini/build_data.py`. Writes images/*.png and validation.jsonl beside this file
in the MMMU schema (id, question with <image N> placeholders, options as a string list, answer letter,
image_1..image_7, img_type, explanation, topic_difficulty, question_type, subfield).
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
W, H = 192, 144
FONT = ImageFont.load_default(size=13)
SMALL = ImageFont.load_default(size=11)


def canvas():
    im = Image.new("RGB", (W, H), "white")
    return im, ImageDraw.Draw(im)


def triangle():
    im, d = canvas()
    d.line([(30, 120), (150, 120), (30, 30), (30, 120)], fill="black", width=2)
    d.rectangle([30, 110, 40, 120], outline="black")
    d.text((85, 124), "4", fill="black", font=FONT)
    d.text((16, 70), "3", fill="black", font=FONT)
    d.text((95, 62), "?", fill="black", font=FONT)
    return im


def circle():
    im, d = canvas()
    d.ellipse([46, 22, 146, 122], outline="black", width=2)
    d.line([(96, 72), (146, 72)], fill="black", width=2)
    d.text((114, 56), "r = 2", fill="black", font=FONT)
    return im


def bars(values, labels):
    im, d = canvas()
    top = max(values)
    for i, (v, lab) in enumerate(zip(values, labels)):
        x = 20 + i * 42
        d.rectangle([x, 120 - 100 * v / top, x + 28, 120], fill=(60, 90, 200))
        d.text((x + 4, 124), lab, fill="black", font=FONT)
        d.text((x + 4, 104 - 100 * v / top), str(v), fill="black", font=FONT)
    return im


def supply_demand():
    im, d = canvas()
    d.line([(20, 10), (20, 130), (185, 130)], fill="black", width=1)
    def pt(q, p):
        return 20 + q * 15, 130 - p * 13
    d.line([pt(0, 8), pt(10, 0)], fill="blue", width=2)  # demand P = 8 - 0.8Q
    d.line([pt(0, 0), pt(10, 8)], fill="red", width=2)  # supply P = 0.8Q: equilibrium Q = 5, P = 4
    d.text(pt(10, 0.6), "D", fill="blue", font=FONT)
    d.text(pt(9.4, 8.6), "S", fill="red", font=FONT)
    for p in (2, 4, 6, 8):
        d.text((4, pt(0, p)[1] - 7), str(p), fill="black", font=FONT)
    return im


def series_circuit():
    im, d = canvas()
    d.rectangle([20, 30, 172, 115], outline="black", width=2)
    for x, label in ((50, "2 ohm"), (110, "3 ohm")):
        d.rectangle([x, 22, x + 36, 38], fill="white", outline="black", width=2)
        d.text((x + 4, 42), label, fill="black", font=FONT)
    d.line([(90, 108), (90, 122)], fill="black", width=3)
    d.line([(100, 102), (100, 128)], fill="black", width=2)
    d.text((76, 126), "+  -", fill="black", font=FONT)
    return im


def ph_table():
    im, d = canvas()
    rows = [("Solution", "pH"), ("A", "7.0"), ("B", "2.5"), ("C", "9.1"), ("D", "5.4")]
    for i, (a, b) in enumerate(rows):
        d.text((40, 12 + i * 24), a, fill="black", font=FONT)
        d.text((130, 12 + i * 24), b, fill="black", font=FONT)
        d.line([(30, 30 + i * 24), (170, 30 + i * 24)], fill="gray")
    return im


def swatches():
    im, d = canvas()
    d.rectangle([16, 30, 88, 110], fill=(220, 30, 30))
    d.rectangle([104, 30, 176, 110], fill=(30, 170, 60))
    return im


def line_graph(rising: bool):
    im, d = canvas()
    d.line([(20, 10), (20, 130), (185, 130)], fill="black")
    ys = [110, 95, 80, 70, 50, 30] if rising else [30, 45, 60, 80, 95, 115]
    d.line([(30 + i * 30, y) for i, y in enumerate(ys)], fill=(200, 60, 30), width=3)
    return im


def punnett():
    im, d = canvas()
    d.text((70, 4), "A", fill="black", font=FONT)
    d.text((130, 4), "a", fill="black", font=FONT)
    d.text((20, 44), "A", fill="black", font=FONT)
    d.text((20, 104), "a", fill="black", font=FONT)
    cells = [["AA", "Aa"], ["Aa", "aa"]]
    for r in range(2):
        for c in range(2):
            x, y = 40 + c * 60, 22 + r * 60
            d.rectangle([x, y, x + 60, y + 60], outline="black", width=2)
            d.text((x + 20, y + 22), cells[r][c], fill="black", font=FONT)
    return im


def tree():
    im, d = canvas()
    nodes = {1: (96, 16), 2: (50, 60), 3: (142, 60), 4: (26, 110), 5: (74, 110), 6: (118, 110), 7: (166, 110)}
    for child, parent in ((2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (7, 3)):
        d.line([nodes[parent], nodes[child]], fill="black", width=2)
    for n, (x, y) in nodes.items():
        d.ellipse([x - 11, y - 11, x + 11, y + 11], fill="white", outline="black", width=2)
        d.text((x - 4, y - 8), str(n), fill="black", font=FONT)
    return im


def income_table():
    im, d = canvas()
    for i, (a, b) in enumerate([("Revenue", "$120"), ("Costs", "$80")]):
        d.text((30, 40 + i * 30), a, fill="black", font=FONT)
        d.text((130, 40 + i * 30), b, fill="black", font=FONT)
    return im


def pie():
    im, d = canvas()
    shares = [("North", 50, (60, 90, 200)), ("South", 25, (220, 120, 30)), ("East", 15, (40, 160, 80)),
              ("West", 10, (200, 40, 60))]
    start = -90.0
    for i, (name, pct, col) in enumerate(shares):
        end = start + 3.6 * pct
        d.pieslice([4, 26, 94, 116], start, end, fill=col)
        d.rectangle([100, 30 + i * 24, 110, 40 + i * 24], fill=col)
        d.text((114, 28 + i * 24), f"{name} {pct}%", fill="black", font=SMALL)
        start = end
    return im


# (id, subfield, difficulty, question, options, answer, explanation, images)
ITEMS = [
    ("validation_Math_1", "Geometry", "Easy", "What is the length of the side marked ? in <image 1>?",
     ["5", "6", "7", "12"], "A", "3-4-5 right triangle: sqrt(9 + 16) = 5.", [triangle()]),
    ("validation_Math_2", "Geometry", "Easy", "What is the area of the circle in <image 1>? Use pi = 3.14.",
     ["6.28", "12.56", "3.14", "25.12"], "B", "pi r^2 = 3.14 x 4 = 12.56.", [circle()]),
    ("validation_Economics_1", "Macroeconomics", "Easy", "According to <image 1>, in which quarter were sales highest?",
     ["Q1", "Q2", "Q3", "Q4"], "D", "The Q4 bar (50) is the tallest.", [bars([30, 45, 25, 50], ["Q1", "Q2", "Q3", "Q4"])]),
    ("validation_Economics_2", "Microeconomics", "Medium",
     "<image 1> shows supply (S) and demand (D). What is the equilibrium price?",
     ["2", "4", "6", "8"], "B", "The lines P = 8 - 0.8Q and P = 0.8Q cross at Q = 5, P = 4.",
     [supply_demand()]),
    ("validation_Physics_1", "Electronics", "Easy", "What is the total resistance of the series circuit in <image 1>?",
     ["1 Ω", "5 Ω", "6 Ω", "1.2 Ω"], "B", "Series resistances add: 2 + 3 = 5 Ω.", [series_circuit()]),
    ("validation_Chemistry_1", "Physical Chemistry", "Easy", "Which solution in <image 1> is the most acidic?",
     ["A", "B", "C", "D"], "B", "The lowest pH (2.5) is the most acidic.", [ph_table()]),
    ("validation_Art_Theory_1", "Color Theory", "Easy", "The two colours in <image 1> are best described as",
     ["complementary", "analogous", "monochromatic", "triadic"], "A", "Red and green sit opposite on the colour wheel.",
     [swatches()]),
    ("validation_Math_3", "Statistics", "Easy", "<image 1> and <image 2> are line graphs. Which one shows a decreasing trend?",
     ["<image 1>", "<image 2>", "both", "neither"], "B", "The second graph falls from left to right.",
     [line_graph(True), line_graph(False)]),
    ("validation_Biology_1", "Genetics", "Easy", "In the Punnett square of <image 1>, what fraction of the offspring are aa?",
     ["1/4", "1/2", "3/4", "0"], "A", "One of four cells is aa.", [punnett()]),
    ("validation_Computer_Science_1", "Data Structure", "Easy", "How many leaf nodes does the tree in <image 1> have?",
     ["2", "3", "4", "7"], "C", "Nodes 4, 5, 6 and 7 have no children.", [tree()]),
    ("validation_Accounting_1", "Financial Accounting", "Easy", "What is the profit according to <image 1>?",
     ["$40", "$200", "$80", "$120"], "A", "120 - 80 = 40.", [income_table()]),
    ("validation_Geography_1", "Human Geography", "Easy", "In <image 1>, which region has a quarter of the total?",
     ["North", "South", "East", "West"], "B", "South is 25%.", [pie()]),
]


def main() -> None:
    (HERE / "images").mkdir(exist_ok=True)
    rows = []
    for item_id, subfield, diff, question, options, answer, expl, images in ITEMS:
        row = {"id": item_id, "question": question, "options": str(options), "explanation": expl,
               "answer": answer, "topic_difficulty": diff, "question_type": "multiple-choice", "subfield": subfield,
               "img_type": str(["Diagrams"] * len(images))}
        for k in range(1, 8):
            row[f"image_{k}"] = None
        for k, im in enumerate(images, 1):
            name = f"images/{item_id}_{k}.png"
            im.save(HERE / name, optimize=True)
            row[f"image_{k}"] = name
        rows.append(row)
    with open(HERE / "validation.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} items to {HERE / 'validation.jsonl'}")


if __name__ == "__main__":
    main()
