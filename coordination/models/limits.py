"""How much text one box takes, for the pages and the API alike (the API publishes each as maxLength).

Far more than a practitioner writes in one box (20,000 characters is some eight pages of prose), far less than a
request can carry: before these limits one field took 5 MB, which no page, PDF summary or export can show. The
columns stay `text`: a limit is checked where input arrives (forms, API serializers), not by the database."""

NOTE_LENGTH = 10_000  # a note for the history, an explanation, a reason
NARRATIVE_LENGTH = 20_000  # a case summary, what is asked for and why, a decision's reasons and conditions


def length_of(model, name: str) -> int:
    """A text field's limit as its model declares it, for a form or serializer field of the same text."""
    return model._meta.get_field(name).max_length
