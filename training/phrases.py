"""Call-centre style phrases: numbers, dates, account and order talk, as a phone line hears them.

Fortunes are literary; a telephone recogniser also meets "press 2 for billing", "your order
4 7 1 ships on March 3rd" and "the balance is 250 dollars". These phrases are written with
digits, as prompts are, and reach the model through the same text normalisation
("3rd" -> "third"), so the model and the n-gram learn the spoken forms.
"""

from __future__ import annotations

import random

ITEMS = (
    "account number", "password", "pin", "extension", "order number", "card number", "zip code",
    "phone number", "date of birth", "member number", "mailbox number", "conference number",
)
DEPARTMENTS = (
    "sales", "billing", "technical support", "customer service", "the operator", "accounting",
    "shipping", "returns", "a company directory", "new accounts",
)
ACTIONS = ("cancel", "change", "update", "check", "renew", "return", "track", "pay")
THINGS = ("order", "account", "subscription", "payment", "appointment", "reservation", "package")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TEMPLATES = (
    "Your {item} is {digits}.",
    "Please enter your {item} followed by the pound key.",
    "Please say or enter your {n} digit {item}.",
    "For {department}, press {key}.",
    "To speak with {department}, press {key}.",
    "Press {key} for {department}, or press {key2} to repeat this menu.",
    "You have {n} new messages and {n2} saved messages.",
    "Your {thing} will arrive on {weekday}, {month} {day}.",
    "Your payment of {amount} dollars was received on {month} {day}.",
    "The current balance on your account is {amount} dollars and {cents} cents.",
    "The total comes to {amount} dollars.",
    "I would like to {action} my {thing}.",
    "I am calling about {thing} number {digits}.",
    "Can I have your {item}, please?",
    "Our office is open from {hour} to {hour2}, {weekday} through {weekday2}.",
    "Your appointment is on {weekday} at {hour} o'clock.",
    "Thank you for calling. Your call is important to us.",
    "Please hold for the next available agent.",
    "All of our agents are busy. Your estimated wait time is {n} minutes.",
    "Is there anything else I can help you with today?",
    "I'm sorry, that is not a valid {item}. Please try again.",
    "You are caller number {n} in the queue.",
    "Please leave a message after the tone, then press #.",
    "To {action} your {thing}, press {key}. For all other questions, press 0.",
    "Press * to return to the main menu.",
    "Your confirmation code is {digits}.",
    "The {thing} was shipped on the {day} of {month}.",
    "Your card ending in {four} has been charged {amount} dollars.",
)


def fill(template: str, rng: random.Random) -> str:
    """One phrase: the template with random items, numbers and dates."""
    digit_count = rng.randint(3, 7)
    values = {
        "item": rng.choice(ITEMS), "department": rng.choice(DEPARTMENTS),
        "action": rng.choice(ACTIONS), "thing": rng.choice(THINGS),
        "month": rng.choice(MONTHS), "weekday": rng.choice(WEEKDAYS), "weekday2": rng.choice(WEEKDAYS),
        "digits": " ".join(str(rng.randint(0, 9)) for _ in range(digit_count)),
        "four": " ".join(str(rng.randint(0, 9)) for _ in range(4)),
        "key": rng.randint(0, 9), "key2": rng.randint(0, 9), "n": rng.randint(1, 30),
        "n2": rng.randint(0, 20), "amount": rng.choice((rng.randint(1, 99), rng.randint(100, 2500))),
        "cents": rng.randint(1, 99), "hour": rng.randint(1, 12), "hour2": rng.randint(1, 12),
        "day": f"{(day := rng.randint(1, 31))}{ordinal_suffix(day)}",
    }
    return template.format(**values)


def ordinal_suffix(day: int) -> str:
    """"st", "nd", "rd" or "th" for a day of the month."""
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def call_centre_phrases(count: int, rng: random.Random) -> list[str]:
    """`count` distinct phrases (fewer when the templates run out of new combinations)."""
    phrases: dict[str, None] = {}
    for _ in range(count * 20):
        if len(phrases) >= count:
            break
        phrases.setdefault(fill(rng.choice(TEMPLATES), rng))
    return list(phrases)
