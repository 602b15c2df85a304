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

# Actions of the roadmap: (title, section index, owner organisations, lead's e-mail, start, due, status, description)
ROADMAP_ACTIONS = [
    ("Adopt the model labour-rights clauses in new ICT framework agreements", 1,
     ["City of Ghent", "Barcelona City Council", "Helsinki Region Procurement Office", "Consip S.p.A."],
     "marta.puig@demo.accord.eu", "2027-Q1", "2027-Q4", "planned",
     "Every new framework agreement for ICT hardware includes the **model clauses** agreed by the working group, "
     "including the supplier's duty to map its supply chain down to the final assembly factories."),
    ("Map the supply chains of the three largest ICT contracts", 1,
     ["Helsinki Region Procurement Office", "City of Oslo", "Dublin City Council"],
     "jussi.virtanen@demo.accord.eu", "2027-Q1", "2027-Q3", "planned",
     "Each owner names its three largest ICT contracts and asks the suppliers for the list of final assembly "
     "factories. Results are shared in the working group's folder."),
    ("Hold a joint market dialogue with the main ICT suppliers", 1,
     ["Consip S.p.A.", "Bundesbeschaffung GmbH"],
     "giulia.romano@demo.accord.eu", "2027-Q2", "2027-06-15", "planned",
     "One day in Rome, with the ten largest suppliers of laptops and monitors: the clauses, the monitoring, "
     "and what suppliers need from buyers to comply."),
    ("Cover 30% of ICT hardware spend with independent factory monitoring", 2,
     ["City of Ghent", "Barcelona City Council", "Ministry of the Interior and Kingdom Relations",
      "Municipality of Stockholm"],
     "pieter.bakker@demo.accord.eu", "2028-Q1", "2028-Q4", "planned",
     "Join an independent monitoring organisation and have it cover factories making at least 30% of our "
     "ICT hardware spend.\n\n- Measure: share of spend covered, reported yearly."),
    ("Publish the first joint annual report", 2, ["City of Ghent"],
     "coordinator@demo.accord.eu", "2028-Q3", "2028-12-15", "planned",
     "A public report on the clauses used, the factories monitored, the findings and the remediation agreed."),
    ("Extend the criteria to mobile phones and data-centre equipment", 3,
     ["Helsinki Region Procurement Office", "Consip S.p.A.", "Lisbon Municipality"],
     "jussi.virtanen@demo.accord.eu", "2029-Q1", "2029-Q4", "planned",
     "Adapt the clauses and the monitoring to two more product groups, after a market analysis."),
    ("Invite ten more public buyers to endorse the statement", 3, ["City of Ghent", "City of Oslo"],
     "ingrid.haugen@demo.accord.eu", "2029-Q1", "2029-Q2", "planned",
     "Through the European networks of public buyers, with a short guide to joining."),
]

# Follow-up entries after endorsement: (action index, author's e-mail, days ago, new status or None, note)
ROADMAP_FOLLOW_UPS = [
    (0, "marta.puig@demo.accord.eu", 20, "in_progress",
     "Clauses translated into Catalan and Spanish; Barcelona's legal service is checking them."),
    (1, "jussi.virtanen@demo.accord.eu", 12, None,
     "Helsinki and Oslo have named their three contracts; Dublin will follow after its board meeting."),
    (2, "giulia.romano@demo.accord.eu", 5, "at_risk",
     "Only four of the ten suppliers have confirmed; the date may move to the autumn."),
    (0, "coordinator@demo.accord.eu", 2, None, "Ghent's new laptop framework, published last week, includes the clauses."),
]
