"""Every relative link in README.md and docs/*.md points to a file that exists and, with a
#fragment, to a heading of that file (GitHub's anchors). Run: python3 tests/doc_links.py"""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
def anchors(path):
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.*)$", text, flags=re.M)}
bad = []
for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", link):
            continue
        file, _, frag = link.partition("#")
        target = (page.parent / file).resolve() if file else page
        if not target.exists() or (frag and target.suffix == ".md" and frag not in anchors(target)):
            bad.append(f"{page.relative_to(root)}: {link}")
print("\n".join(bad) or "every relative link resolves")
sys.exit(1 if bad else 0)
