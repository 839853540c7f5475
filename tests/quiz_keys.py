"""The right answers to a quiz question, as the attempt form posts them."""


def key_answer(question: dict, name: str, shown: list[str] | None) -> dict:
    """The form fields that answer one question right, from the quiz file's key."""
    kind = question["type"]
    if kind == "single":
        return {name: next(o["id"] for o in question["options"] if o.get("correct"))}
    if kind == "multiple":
        return {name: [o["id"] for o in question["options"] if o.get("correct")]}
    if kind == "true_false":
        return {name: "true" if question["answer"] else "false"}
    if kind == "numeric":
        low, high = question.get("range") or (question["answer"], question["answer"])
        return {name: f"{(low + high) / 2:g}"}
    if kind == "short":
        accepted = question["accepted"][0]
        return {name: accepted["text"] if isinstance(accepted, dict) else accepted}
    if kind == "matching":
        return {f"{name}-{i}": pair["right"] for i, pair in enumerate(question["pairs"])}
    if kind == "ordering":
        return {
            f"{name}-{k}": str(question["items"].index(item) + 1) for k, item in enumerate(shown)
        }
    raise AssertionError(f"unknown type {kind}")
