"""Regenerate test.jsonl and train.jsonl: templated grade-school word problems in GSM8K's schema.

Deterministic (fixed seed); every answer is computed here, and the worked solutions use GSM8K's
`<<expr=value>>` calculator annotations and end with `#### <number>`. Run: python make_data.py
"""

import json
import random
from pathlib import Path

NAMES = [("Maria", "she", "her"), ("James", "he", "his"), ("Aisha", "she", "her"), ("Tom", "he", "his"),
         ("Lena", "she", "her"), ("Carlos", "he", "his"), ("Priya", "she", "her"), ("Ben", "he", "his"),
         ("Yuki", "she", "her"), ("Omar", "he", "his"), ("Nora", "she", "her"), ("Felix", "he", "his")]


def t_half_more(r, n, s, p):
    a = 2 * r.randint(12, 60)
    item = r.choice(["bracelets", "cupcakes", "postcards", "keychains"])
    h, t = a // 2, a + a // 2
    q = (f"{n} sold {a} {item} in April, and then {s} sold half as many {item} in May. "
         f"How many {item} did {n} sell altogether in April and May?")
    sol = f"{n} sold {a}/2 = <<{a}/2={h}>>{h} {item} in May.\n{n} sold {a}+{h} = <<{a}+{h}={t}>>{t} {item} altogether."
    return q, sol, t


def t_wage(r, n, s, p):
    rate = 4 * r.randint(2, 6)
    mins = 15 * r.randint(3, 14)
    quarters, per_q = mins // 15, rate // 4
    pay = quarters * per_q
    q = f"{n} earns ${rate} an hour for tutoring. Yesterday, {s} tutored for {mins} minutes. How many dollars did {s} earn?"
    sol = (f"There are {mins}/15 = <<{mins}/15={quarters}>>{quarters} quarter-hours in {mins} minutes.\n"
           f"{n} earns {rate}/4 = $<<{rate}/4={per_q}>>{per_q} per quarter-hour.\n"
           f"So {s} earned {quarters}*{per_q} = $<<{quarters}*{per_q}={pay}>>{pay}.")
    return q, sol, pay


def t_change(r, n, s, p):
    n1, p1, n2, p2 = r.randint(2, 6), r.randint(2, 9), r.randint(2, 8), r.randint(1, 4)
    c1, c2 = n1 * p1, n2 * p2
    total = c1 + c2
    bill = 50 if total < 50 else 100
    change = bill - total
    q = (f"{n} buys {n1} notebooks that cost ${p1} each and {n2} pens that cost ${p2} each. "
         f"{s.capitalize()} pays with a ${bill} bill. How much change, in dollars, does {s} get back?")
    sol = (f"The notebooks cost {n1}*{p1} = $<<{n1}*{p1}={c1}>>{c1}.\n"
           f"The pens cost {n2}*{p2} = $<<{n2}*{p2}={c2}>>{c2}.\n"
           f"Altogether {s} spends {c1}+{c2} = $<<{c1}+{c2}={total}>>{total}.\n"
           f"{s.capitalize()} gets back {bill}-{total} = $<<{bill}-{total}={change}>>{change}.")
    return q, sol, change


def t_savings(r, n, s, p):
    save, weeks = 5 * r.randint(2, 9), r.randint(6, 20)
    saved = save * weeks
    spend = r.randint(saved // 4, saved - 5)
    left = saved - spend
    q = (f"{n} saves ${save} every week. After {weeks} weeks, {s} spends ${spend} on a new bike. "
         f"How many dollars does {n} have left?")
    sol = (f"{n} saves {save}*{weeks} = $<<{save}*{weeks}={saved}>>{saved} in {weeks} weeks.\n"
           f"After buying the bike, {s} has {saved}-{spend} = $<<{saved}-{spend}={left}>>{left} left.")
    return q, sol, left


def t_pages(r, n, s, p):
    while True:
        total, a = 10 * r.randint(12, 40), r.randint(8, 30)
        read = a + 2 * a
        rem = total - read
        if rem > 0 and rem % 2 == 0:
            break
    today, half = 2 * a, rem // 2
    q = (f"{n} is reading a {total}-page book. Yesterday, {s} was able to read {a} pages and today, {s} read "
         f"twice as many pages as yesterday. If {s} wants to read half of the remaining pages tomorrow, "
         f"how many pages should {s} read?")
    sol = (f"Today, {n} read {a}*2 = <<{a}*2={today}>>{today} pages.\n"
           f"So far {s} has read {a}+{today} = <<{a}+{today}={read}>>{read} pages.\n"
           f"There are {total}-{read} = <<{total}-{read}={rem}>>{rem} pages left.\n"
           f"Tomorrow {s} should read {rem}/2 = <<{rem}/2={half}>>{half} pages.")
    return q, sol, half


def t_apples(r, n, s, p):
    boxes, per = r.randint(4, 15), r.randint(12, 30)
    total = boxes * per
    sold, given = r.randint(total // 4, total // 2), r.randint(3, 15)
    left = total - sold - given
    q = (f"A farmer named {n} has {boxes} boxes with {per} apples in each box. {s.capitalize()} sells {sold} apples "
         f"at the market and gives {given} apples to {p} neighbors. How many apples does {n} have left?")
    sol = (f"{n} starts with {boxes}*{per} = <<{boxes}*{per}={total}>>{total} apples.\n"
           f"{s.capitalize()} sells or gives away {sold}+{given} = <<{sold}+{given}={sold + given}>>{sold + given} apples.\n"
           f"{s.capitalize()} has {total}-{sold + given} = <<{total}-{sold + given}={left}>>{left} apples left.")
    return q, sol, left


def t_discount(r, n, s, p):
    price, pct, ship = 20 * r.randint(2, 12), r.choice([10, 20, 25, 30, 40, 50]), r.randint(3, 12)
    off = price * pct // 100
    sale = price - off
    total = sale + ship
    q = (f"A jacket costs ${price}. It is on sale for {pct}% off, and {n} also pays ${ship} for shipping. "
         f"How many dollars does {n} pay in total?")
    sol = (f"The discount is {price}*{pct}/100 = $<<{price}*{pct}/100={off}>>{off}.\n"
           f"The sale price is {price}-{off} = $<<{price}-{off}={sale}>>{sale}.\n"
           f"With shipping, {n} pays {sale}+{ship} = $<<{sale}+{ship}={total}>>{total}.")
    return q, sol, total


def t_train(r, n, s, p):
    v1, h1, v2, h2 = 5 * r.randint(8, 16), r.randint(2, 5), 5 * r.randint(6, 14), r.randint(1, 4)
    d1, d2 = v1 * h1, v2 * h2
    q = (f"A train travels at {v1} miles per hour for {h1} hours and then at {v2} miles per hour for {h2} hours. "
         f"How many miles does the train travel in total?")
    sol = (f"In the first part it travels {v1}*{h1} = <<{v1}*{h1}={d1}>>{d1} miles.\n"
           f"In the second part it travels {v2}*{h2} = <<{v2}*{h2}={d2}>>{d2} miles.\n"
           f"In total it travels {d1}+{d2} = <<{d1}+{d2}={d1 + d2}>>{d1 + d2} miles.")
    return q, sol, d1 + d2


def t_ages(r, n, s, p):
    a, k, d = r.randint(4, 12), r.randint(2, 4), r.randint(2, 6)
    b = a * k
    c = b - d
    tot = a + b + c
    q = (f"{n} is {a} years old. {p.capitalize()} brother is {k} times as old as {n}, and {p} sister is {d} years "
         f"younger than the brother. What is the sum of the three siblings' ages?")
    sol = (f"The brother is {a}*{k} = <<{a}*{k}={b}>>{b} years old.\n"
           f"The sister is {b}-{d} = <<{b}-{d}={c}>>{c} years old.\n"
           f"Together they are {a}+{b}+{c} = <<{a}+{b}+{c}={tot}>>{tot} years old.")
    return q, sol, tot


def t_cookies(r, n, s, p):
    while True:
        c, e, f = r.randint(30, 120), r.randint(2, 9), r.randint(3, 8)
        if (c - e) % f == 0:
            break
    rest, each = c - e, (c - e) // f
    q = (f"{n} baked {c} cookies. {s.capitalize()} ate {e} of them and shared the rest equally among {f} friends. "
         f"How many cookies did each friend get?")
    sol = (f"After eating some, {n} had {c}-{e} = <<{c}-{e}={rest}>>{rest} cookies.\n"
           f"Each friend got {rest}/{f} = <<{rest}/{f}={each}>>{each} cookies.")
    return q, sol, each


def t_legs(r, n, s, p):
    ch, cw = r.randint(5, 40), r.randint(3, 25)
    l1, l2 = ch * 2, cw * 4
    q = f"{n}'s farm has {ch} chickens and {cw} cows. How many legs do all the animals on the farm have in total?"
    sol = (f"The chickens have {ch}*2 = <<{ch}*2={l1}>>{l1} legs.\n"
           f"The cows have {cw}*4 = <<{cw}*4={l2}>>{l2} legs.\n"
           f"Altogether there are {l1}+{l2} = <<{l1}+{l2}={l1 + l2}>>{l1 + l2} legs.")
    return q, sol, l1 + l2


def t_running(r, n, s, p):
    d, e, w = r.randint(2, 6), r.randint(5, 12), r.randint(2, 8)
    wd, we = 5 * d, 2 * e
    week = wd + we
    tot = week * w
    q = (f"{n} runs {d} miles on every weekday and {e} miles on each day of the weekend. "
         f"How many miles does {s} run in {w} weeks?")
    sol = (f"On weekdays {s} runs {d}*5 = <<{d}*5={wd}>>{wd} miles a week.\n"
           f"On the weekend {s} runs {e}*2 = <<{e}*2={we}>>{we} miles.\n"
           f"That is {wd}+{we} = <<{wd}+{we}={week}>>{week} miles a week.\n"
           f"In {w} weeks {s} runs {week}*{w} = <<{week}*{w}={tot}>>{tot} miles.")
    return q, sol, tot


def t_tickets(r, n, s, p):
    adults, kids = r.randint(2, 40), r.randint(5, 60)
    pa, pk = r.randint(8, 25), r.randint(3, 7)
    ca, ck = adults * pa, kids * pk
    tot = ca + ck
    q = (f"A museum charges ${pa} for an adult ticket and ${pk} for a child ticket. On Saturday, {n} sold {adults} "
         f"adult tickets and {kids} child tickets. How many dollars did the tickets bring in?")
    sol = (f"Adult tickets brought in {adults}*{pa} = $<<{adults}*{pa}={ca}>>{ca}.\n"
           f"Child tickets brought in {kids}*{pk} = $<<{kids}*{pk}={ck}>>{ck}.\n"
           f"Together that is {ca}+{ck} = $<<{ca}+{ck}={tot}>>{tot}.")
    return q, sol, tot


TEMPLATES = [t_half_more, t_wage, t_change, t_savings, t_pages, t_apples, t_discount, t_train, t_ages,
             t_cookies, t_legs, t_running, t_tickets]


def check(sol: str) -> None:
    """Every `<<expr=value>>` annotation must evaluate to its value (read with the math grammar, never eval)."""
    import re

    from judges.mathexpr import parse_math

    for expr, val in re.findall(r"<<([^=<>]+)=([^<>]+)>>", sol):
        assert abs(float(parse_math(expr)) - float(val)) < 1e-9, (expr, val)


def make(n_items: int, seed: int = 8) -> list[dict]:
    r = random.Random(seed)
    out, seen = [], set()
    while len(out) < n_items:
        tmpl = TEMPLATES[len(out) % len(TEMPLATES)]
        name, s, p = r.choice(NAMES)
        q, sol, ans = tmpl(r, name, s, p)
        if q in seen:
            continue
        seen.add(q)
        check(sol)
        out.append({"question": q, "answer": f"{sol}\n#### {ans}"})
    r.shuffle(out)
    return out


def main() -> None:
    here = Path(__file__).resolve().parent
    items = make(110)
    for name, rows in (("test.jsonl", items[:100]), ("train.jsonl", items[100:])):
        with open(here / name, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
