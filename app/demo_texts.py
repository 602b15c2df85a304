"""Texts of the demo documents (written for the demo; not a real group's position)."""

STATEMENT_TITLE = "Joint action statement on socially responsible ICT procurement"
STATEMENT_SUMMARY = ("Ten European public buyers commit to buy ICT hardware made under decent working "
                     "conditions, and to work together on criteria, contract clauses and monitoring.")

STATEMENT_SECTIONS = [
    ("Why we act", 1, """Public buyers in Europe spend more than €45 billion a year on ICT hardware. Much of it is
assembled and its components mined under working conditions that breach the ILO core labour standards:
excessive overtime, unsafe workplaces, forced labour and child labour in mineral supply chains.

As public bodies we have a duty, and the buying power, to change this. None of us can do it alone."""),
    ("Our shared principles", 1, """We, the undersigned organisations, agree that:

1. **Decent work is a contract requirement**, not a voluntary extra.
2. Requirements must be *verifiable* and proportionate to the contract.
3. We prefer dialogue with suppliers to exclusion, and exclusion to inaction.
4. We share what we learn, including what did not work."""),
    ("Commitments", 1, """Each signatory commits, within its legal framework and budget cycle, to the actions below."""),
    ("Contract clauses", 2, """Include in every new ICT hardware framework contract the model clauses on labour rights in
the supply chain agreed by this working group, with a duty for the supplier to map its supply chain down
to the final assembly factories within twelve months."""),
    ("Independent monitoring", 2, """Join an independent monitoring organisation for the factories in our supply chains, and
publish a summary of its findings every year.

| Measure | Target | By |
|---|---|---|
| Contracts with clauses | 100% of new contracts | 2027 |
| Factories monitored | at least 30% of spend | 2028 |"""),
    ("Market dialogue", 2, """Hold a joint market dialogue with the main ICT suppliers at least once a year, in
cooperation with the other signatories."""),
    ("Follow-up", 1, """The working group reports on progress to the signatories' boards every year. This statement
stays open for endorsement by other public buyers.[^1]

[^1]: Organisations that endorse later are listed with the date of their endorsement."""),
]

ROADMAP_TITLE = "Roadmap 2027–2029: fair ICT supply chains"
ROADMAP_SUMMARY = "The actions the working group's organisations take, who leads each, and by when."
ROADMAP_SECTIONS = [
    ("Context", 1, "This roadmap puts the joint action statement into practice over three budget years."),
    ("2027: foundations", 1, """- Adopt the model contract clauses in all new framework agreements.
- Map the supply chains of the three largest ICT contracts per organisation."""),
    ("2028: monitoring", 1, """- Cover at least 30% of ICT hardware spend with independent factory monitoring.
- Publish the first joint annual report."""),
    ("2029: scale", 1, """- Extend the approach to mobile phones and data-centre equipment.
- Invite ten more public buyers to endorse the statement."""),
]
