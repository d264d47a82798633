"""Word lists for the synthetic benchmark corpus: topic domains with their own vocabulary, so
generated documents differ in wording as real collections do, not only in numbers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOMAINS", "FIRST_NAMES", "MONTHS", "SYLLABLES", "Domain"]


@dataclass(frozen=True)
class Domain:
    name: str
    nouns: tuple[str, ...]
    verbs: tuple[str, ...]  # past tense, transitive
    adjectives: tuple[str, ...]
    units: tuple[str, ...]
    roles: tuple[str, ...]
    events: tuple[str, ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "logistics",
        _words(
            "pallet, consignment, loading bay, forklift, route plan, cross-dock, carrier, "
            "manifest, cold chain, picking list, trailer, yard schedule, returns flow, "
            "inventory count, slotting map, dock door, shipment, freight invoice"
        ),
        _words(
            "rerouted, consolidated, dispatched, scanned, rebalanced, audited, delayed, "
            "expedited, unloaded, relabelled, tracked, reconciled"
        ),
        _words(
            "inbound, outbound, overdue, refrigerated, bulky, fragile, seasonal, regional, "
            "palletised, priority, damaged, consolidated"
        ),
        _words("pallets, cartons, trailers, kilometres, tonnes"),
        _words(
            "shift supervisor, transport planner, yard marshal, inventory analyst, "
            "site manager, carrier liaison"
        ),
        _words("peak season, carrier strike, system migration, stock take, customer audit"),
    ),
    Domain(
        "clinic",
        _words(
            "appointment list, referral, triage note, prescription run, vaccine fridge, "
            "patient survey, rota, consent form, clinical audit, waiting list, test result, "
            "discharge letter, care plan, infection log, dressing clinic, recall letter"
        ),
        _words(
            "reviewed, triaged, rescheduled, documented, escalated, audited, discharged, "
            "referred, prescribed, coded, followed up, screened"
        ),
        _words(
            "routine, urgent, chronic, outpatient, paediatric, annual, clinical, "
            "preventive, community, confidential, seasonal, overdue"
        ),
        _words("patients, appointments, doses, referrals, clinics"),
        _words(
            "practice nurse, clinical lead, receptionist, pharmacist, healthcare assistant, "
            "practice manager"
        ),
        _words("flu season, inspection visit, system outage, staff shortage, new contract"),
    ),
    Domain(
        "software",
        _words(
            "release branch, test suite, deployment pipeline, feature flag, incident queue, "
            "database migration, API gateway, error budget, load test, code review, "
            "dependency upgrade, backlog, on-call handover, cache layer, schema change"
        ),
        _words(
            "deployed, refactored, rolled back, profiled, patched, merged, benchmarked, "
            "deprecated, migrated, instrumented, throttled, retried"
        ),
        _words(
            "flaky, legacy, asynchronous, distributed, idempotent, stale, experimental, "
            "critical, backward-compatible, cached, verbose, noisy"
        ),
        _words("requests per second, milliseconds, builds, tickets, gigabytes"),
        _words(
            "staff engineer, release manager, site reliability engineer, product owner, "
            "tech lead, QA analyst"
        ),
        _words("quarterly launch, outage, security review, platform migration, hackathon"),
    ),
    Domain(
        "construction",
        _words(
            "foundation pour, scaffold, site diary, snagging list, steel delivery, "
            "crane booking, drainage run, roof membrane, window package, method statement, "
            "permit to work, curing time, groundworks, handover pack, valuation"
        ),
        _words(
            "poured, surveyed, inspected, signed off, propped, backfilled, reinforced, "
            "waterproofed, priced, sequenced, certified, remeasured"
        ),
        _words(
            "structural, temporary, load-bearing, prefabricated, weatherproof, external, "
            "provisional, retained, corroded, fire-rated, level, subcontracted"
        ),
        _words("cubic metres, tonnes, square metres, linear metres, loads"),
        _words(
            "site manager, quantity surveyor, structural engineer, clerk of works, "
            "groundworks foreman, building control officer"
        ),
        _words("heavy rain, concrete strike, design change, inspection, handover"),
    ),
    Domain(
        "farming",
        _words(
            "spring barley, grazing plan, soil sample, seed order, drainage ditch, "
            "hedgerow, lambing shed, slurry store, yield map, grain dryer, cover crop, "
            "field margin, milk collection, feed ration, tramline"
        ),
        _words(
            "drilled, harvested, sprayed, grazed, ploughed, limed, tested, rotated, "
            "fenced, weighed, stored, irrigated"
        ),
        _words(
            "arable, organic, waterlogged, late, frost-damaged, rotational, permanent, "
            "high-yielding, dry, fallow, compacted, nitrogen-rich"
        ),
        _words("hectares, tonnes, litres, head of cattle, bales"),
        _words("farm manager, agronomist, herdsman, contractor, vet, land agent"),
        _words("drought, early frost, harvest, market slump, inspection"),
    ),
    Domain(
        "finance",
        _words(
            "ledger, accrual, bank reconciliation, budget line, cash forecast, "
            "purchase order, invoice batch, audit sample, expense claim, variance, "
            "payment run, credit note, fixed asset register, month-end close"
        ),
        _words(
            "reconciled, accrued, approved, posted, reversed, forecast, capitalised, "
            "settled, invoiced, reclassified, budgeted, written off"
        ),
        _words(
            "quarterly, unpaid, material, provisional, deferred, recurring, overdue, "
            "reconciled, capital, discretionary, annual, consolidated"
        ),
        _words("pounds, invoices, transactions, accounts, days"),
        _words(
            "financial controller, accounts assistant, auditor, budget holder, "
            "credit controller, finance director"
        ),
        _words("year end, audit, restructure, system upgrade, price rise"),
    ),
    Domain(
        "museum",
        _words(
            "loan agreement, display case, conservation report, object label, "
            "visitor count, gallery rehang, humidity log, catalogue entry, school visit, "
            "acquisition, storage crate, exhibition brief, light level, audio guide"
        ),
        _words(
            "catalogued, conserved, loaned, digitised, installed, photographed, "
            "insured, deaccessioned, rehung, borrowed, labelled, researched"
        ),
        _words(
            "fragile, permanent, temporary, archival, interactive, medieval, "
            "contemporary, light-sensitive, donated, regional, touring, restored"
        ),
        _words("objects, visitors, lux, percent humidity, cases"),
        _words(
            "curator, conservator, registrar, learning officer, gallery assistant, "
            "collections manager"
        ),
        _words("exhibition opening, flood, funding review, school holiday, loan return"),
    ),
    Domain(
        "energy",
        _words(
            "solar array, inverter, substation, meter reading, demand forecast, "
            "battery store, grid connection, turbine blade, maintenance window, "
            "tariff, outage report, heat pump, load profile, feeder cable"
        ),
        _words(
            "commissioned, metered, curtailed, balanced, inspected, upgraded, "
            "isolated, forecast, dispatched, throttled, tested, replaced"
        ),
        _words(
            "peak, off-grid, renewable, intermittent, high-voltage, residential, "
            "smart, seasonal, reactive, low-carbon, scheduled, reserve"
        ),
        _words("kilowatt hours, megawatts, households, panels, turbines"),
        _words(
            "grid engineer, energy analyst, field technician, asset manager, "
            "control room operator, installer"
        ),
        _words("storm, heatwave, grid fault, tariff change, planned outage"),
    ),
    Domain(
        "hospitality",
        _words(
            "booking system, room block, breakfast service, housekeeping rota, "
            "guest review, banquet order, wine list, check-in desk, linen delivery, "
            "conference package, minibar stock, menu card, late checkout"
        ),
        _words(
            "booked, upgraded, refunded, catered, refurbished, restocked, greeted, "
            "cancelled, priced, hosted, reviewed, rostered"
        ),
        _words(
            "boutique, seasonal, corporate, fully booked, vegetarian, refurbished, "
            "complimentary, late, premium, family, waterfront, quiet"
        ),
        _words("guests, covers, room nights, bookings, bottles"),
        _words(
            "duty manager, head chef, events coordinator, housekeeper, sommelier, "
            "front office manager"
        ),
        _words("wedding season, conference, refurbishment, festival weekend, inspection"),
    ),
    Domain(
        "research",
        _words(
            "sample batch, assay, lab notebook, grant report, calibration curve, "
            "control group, protocol, data set, centrifuge, reagent order, pilot study, "
            "ethics application, replicate, poster, freezer inventory"
        ),
        _words(
            "measured, replicated, sequenced, pipetted, analysed, published, "
            "calibrated, filtered, annotated, incubated, reviewed, archived"
        ),
        _words(
            "preliminary, significant, blinded, longitudinal, noisy, contaminated, "
            "replicated, peer-reviewed, exploratory, anomalous, frozen, labelled"
        ),
        _words("samples, microlitres, runs, participants, plates"),
        _words(
            "principal investigator, postdoc, lab technician, PhD student, "
            "data manager, research nurse"
        ),
        _words("grant deadline, equipment failure, conference, audit, freezer alarm"),
    ),
)

FIRST_NAMES = _words(
    "Ada, Bram, Cleo, Dario, Edith, Farid, Greta, Hugo, Ines, Jonas, Kira, Luca, Maren, Niko, "
    "Olga, Pavel, Quinn, Rosa, Sten, Talia, Umar, Vera, Wes, Xenia, Yusuf, Zora, Amrit, Bea, "
    "Cosmo, Dalia, Emil, Flora, Gideon, Hana, Idris, June, Kofi, Lena, Milo, Noor"
)
SYLLABLES = _words(
    "ka, ro, vel, dan, mi, tor, sen, li, ber, qua, zen, fal, or, ith, um, bra, nel, sto, "
    "ve, ran, dor, ell, pa, ki, mun, tes, gal, hor, ly, sar, ben, cot"
)
MONTHS = _words(
    "January, February, March, April, May, June, July, August, September, October, "
    "November, December"
)
