"""Routes of grain intake under /api/v1/grain. Clerks weigh, sample, take in, allocate and
settle; master data (weighbridges, quality terms, day prices, VAT regimes and rates) and
ticket corrections (which reverse stock) need a manager."""

from __future__ import annotations

from fastapi import APIRouter, Response

from landkontor.auth.deps import Clerk, Manager
from landkontor.common.bounds import BusinessDate, Id
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page, page_of
from landkontor.documents.api import PDF_RESPONSE, XML_RESPONSE, file_response
from landkontor.documents.grain_settlements import stored_settlement_document
from landkontor.documents.grain_tickets import render_ticket
from landkontor.documents.service import FileOut
from landkontor.grain import (
    contracts,
    corrections,
    intake,
    masterdata,
    reports,
    settlement,
    tickets,
)
from landkontor.grain.models import ContractStatus, TicketStatus
from landkontor.grain.schemas import (
    AllocationIn,
    AllocationOut,
    AnalysisIn,
    AnalysisOut,
    CellTransferIn,
    CellTransferOut,
    ContractCreate,
    ContractOut,
    CorrectionIn,
    DayPriceIn,
    DayPriceOut,
    FarmerIn,
    FarmerOut,
    FarmerTraceRow,
    FixingIn,
    FixingOut,
    FlatRateVatIn,
    FlatRateVatOut,
    IntakeIn,
    IntakeRow,
    OpenContractRow,
    QualityTermsIn,
    QualityTermsOut,
    SettlementCreate,
    SettlementOut,
    SiloContentRow,
    TicketCreate,
    TicketOut,
    UnsettledRow,
    WeighbridgeIn,
    WeighbridgeOut,
    WeighingPush,
)

router = APIRouter(prefix="/grain", tags=["grain"])

# The shared input bounds (common/bounds.py): ids 1 … 2^63-1.
IdPath = Id
IdQuery = Id | None


# --- master data --------------------------------------------------------------------------
@router.get("/weighbridges", response_model=list[WeighbridgeOut], summary="Weighbridges")
def list_weighbridges(session: SessionDep, warehouse_id: IdQuery = None) -> list[WeighbridgeOut]:
    return [
        WeighbridgeOut.model_validate(b)
        for b in masterdata.list_weighbridges(session, warehouse_id)
    ]


@router.post("/weighbridges", response_model=WeighbridgeOut, status_code=201, summary="Add")
def create_weighbridge(body: WeighbridgeIn, _: Manager, session: SessionDep) -> WeighbridgeOut:
    return WeighbridgeOut.model_validate(masterdata.create_weighbridge(session, body))


@router.get("/farmers/{supplier_id}", response_model=FarmerOut, summary="A farmer's VAT regime")
def get_farmer(supplier_id: IdPath, session: SessionDep) -> FarmerOut:
    return masterdata.get_farmer(session, supplier_id)


@router.put("/farmers/{supplier_id}", response_model=FarmerOut, summary="Set the VAT regime")
def set_farmer(supplier_id: IdPath, body: FarmerIn, _: Manager, session: SessionDep) -> FarmerOut:
    return FarmerOut.model_validate(
        masterdata.set_vat_regime(session, supplier_id, body.vat_regime)
    )


@router.get("/flat-rate-vat", response_model=list[FlatRateVatOut], summary="§24 UStG rates")
def list_flat_rates(session: SessionDep) -> list[FlatRateVatOut]:
    return [FlatRateVatOut.model_validate(r) for r in masterdata.list_flat_rates(session)]


@router.post("/flat-rate-vat", response_model=FlatRateVatOut, status_code=201, summary="Add")
def add_flat_rate(body: FlatRateVatIn, _: Manager, session: SessionDep) -> FlatRateVatOut:
    return FlatRateVatOut.model_validate(masterdata.add_flat_rate(session, body))


@router.get("/quality-terms", response_model=list[QualityTermsOut], summary="Quality terms")
def list_quality_terms(session: SessionDep, item_id: IdQuery = None) -> list[QualityTermsOut]:
    return [
        QualityTermsOut.model_validate(t) for t in masterdata.list_quality_terms(session, item_id)
    ]


@router.post("/quality-terms", response_model=QualityTermsOut, status_code=201, summary="Add")
def add_quality_terms(body: QualityTermsIn, _: Manager, session: SessionDep) -> QualityTermsOut:
    return QualityTermsOut.model_validate(masterdata.add_quality_terms(session, body))


@router.get("/day-prices", response_model=list[DayPriceOut], summary="Day prices")
def list_day_prices(session: SessionDep, warehouse_id: IdQuery = None) -> list[DayPriceOut]:
    return [
        DayPriceOut.model_validate(p) for p in masterdata.list_day_prices(session, warehouse_id)
    ]


@router.post("/day-prices", response_model=DayPriceOut, status_code=201, summary="Set")
def set_day_price(body: DayPriceIn, user: Manager, session: SessionDep) -> DayPriceOut:
    return DayPriceOut.model_validate(masterdata.set_day_price(session, body, actor=user.username))


# --- tickets ------------------------------------------------------------------------------
@router.get("/tickets", response_model=Page[TicketOut], summary="Weighing tickets")
def list_tickets(
    session: SessionDep,
    page: PageDep,
    warehouse_id: IdQuery = None,
    supplier_id: IdQuery = None,
    status: TicketStatus | None = None,
) -> Page[TicketOut]:
    rows, total = tickets.list_tickets(
        session, page, warehouse_id=warehouse_id, supplier_id=supplier_id, status=status
    )
    return page_of([tickets.ticket_out(session, t) for t in rows], total, page)


@router.post("/tickets", response_model=TicketOut, status_code=201, summary="Open a ticket")
def create_ticket(body: TicketCreate, user: Clerk, session: SessionDep) -> TicketOut:
    return tickets.ticket_out(session, tickets.create_ticket(session, body, actor=user.username))


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One ticket")
def get_ticket(ticket_id: IdPath, session: SessionDep) -> TicketOut:
    return tickets.ticket_out(session, tickets.get_ticket(session, ticket_id))


@router.get(
    "/tickets/{ticket_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="Wiegeschein for an 80 mm receipt printer",
)
def ticket_pdf(ticket_id: IdPath, session: SessionDep) -> Response:
    number, content = render_ticket(session, ticket_id)
    return file_response(FileOut(content, "application/pdf", f"Wiegeschein_{number}.pdf"))


@router.post(
    "/weighbridges/{weighbridge_id}/weighings",
    response_model=TicketOut,
    status_code=201,
    summary="Push a weighing (terminal)",
    description="Idempotent by the scale's record number: a repeat answers 200.",
)
def push_weighing(
    weighbridge_id: IdPath, body: WeighingPush, user: Clerk, session: SessionDep, response: Response
) -> TicketOut:
    ticket, replayed = tickets.push_weighing(session, weighbridge_id, body, actor=user.username)
    if replayed:
        response.status_code = 200
    return tickets.ticket_out(session, ticket)


@router.post(
    "/tickets/{ticket_id}/analyses", response_model=AnalysisOut, status_code=201, summary="Sample"
)
def add_analysis(
    ticket_id: IdPath, body: AnalysisIn, user: Clerk, session: SessionDep
) -> AnalysisOut:
    analysis = tickets.add_analysis(session, ticket_id, body, actor=user.username)
    return AnalysisOut.model_validate(analysis)


@router.post("/tickets/{ticket_id}/intake", response_model=TicketOut, summary="Take in")
def take_in(ticket_id: IdPath, body: IntakeIn, user: Clerk, session: SessionDep) -> TicketOut:
    ticket = intake.take_in(session, ticket_id, body.location_id, actor=user.username)
    return tickets.ticket_out(session, ticket)


@router.post(
    "/tickets/{ticket_id}/correction", response_model=TicketOut, status_code=201, summary="Correct"
)
def correct_ticket(
    ticket_id: IdPath, body: CorrectionIn, user: Manager, session: SessionDep
) -> TicketOut:
    ticket = corrections.correct_ticket(session, ticket_id, body, actor=user.username)
    return tickets.ticket_out(session, ticket)


@router.put(
    "/tickets/{ticket_id}/allocation", response_model=list[AllocationOut], summary="Allocate"
)
def set_allocation(
    ticket_id: IdPath, body: AllocationIn, _: Clerk, session: SessionDep
) -> list[AllocationOut]:
    return [
        AllocationOut.model_validate(a) for a in contracts.set_allocation(session, ticket_id, body)
    ]


@router.post(
    "/cell-transfers", response_model=CellTransferOut, status_code=201, summary="Umlagerung"
)
def transfer(body: CellTransferIn, user: Clerk, session: SessionDep) -> CellTransferOut:
    return intake.transfer_between_cells(session, body, actor=user.username)


# --- contracts ----------------------------------------------------------------------------
@router.get("/contracts", response_model=Page[ContractOut], summary="Contracts")
def list_contracts(
    session: SessionDep,
    page: PageDep,
    supplier_id: IdQuery = None,
    status: ContractStatus | None = None,
) -> Page[ContractOut]:
    rows, total = contracts.list_contracts(session, page, supplier_id=supplier_id, status=status)
    return page_of([contracts.contract_out(session, c) for c in rows], total, page)


@router.post("/contracts", response_model=ContractOut, status_code=201, summary="Create")
def create_contract(body: ContractCreate, user: Clerk, session: SessionDep) -> ContractOut:
    contract = contracts.create_contract(session, body, actor=user.username)
    return contracts.contract_out(session, contract)


@router.get("/contracts/{contract_id}", response_model=ContractOut, summary="One contract")
def get_contract(contract_id: IdPath, session: SessionDep) -> ContractOut:
    return contracts.contract_out(session, contracts.get_contract(session, contract_id))


@router.post(
    "/contracts/{contract_id}/fixings", response_model=FixingOut, status_code=201, summary="Fix"
)
def add_fixing(contract_id: IdPath, body: FixingIn, user: Clerk, session: SessionDep) -> FixingOut:
    fixing = contracts.add_fixing(session, contract_id, body, actor=user.username)
    return FixingOut.model_validate(fixing)


@router.post("/contracts/{contract_id}/close", response_model=ContractOut, summary="Close")
def close_contract(contract_id: IdPath, _: Clerk, session: SessionDep) -> ContractOut:
    return contracts.contract_out(session, contracts.close_contract(session, contract_id))


# --- settlements --------------------------------------------------------------------------
@router.post("/settlements", response_model=SettlementOut, status_code=201, summary="Settle")
def settle(body: SettlementCreate, user: Clerk, session: SessionDep) -> SettlementOut:
    return settlement.settlement_out(session, settlement.settle(session, body, actor=user.username))


@router.get("/settlements", response_model=Page[SettlementOut], summary="Settlements")
def list_settlements(
    session: SessionDep, page: PageDep, supplier_id: IdQuery = None
) -> Page[SettlementOut]:
    rows, total = settlement.list_settlements(session, page, supplier_id=supplier_id)
    return page_of([settlement.settlement_out(session, s) for s in rows], total, page)


@router.get("/settlements/{settlement_id}", response_model=SettlementOut, summary="One")
def get_settlement(settlement_id: IdPath, session: SessionDep) -> SettlementOut:
    return settlement.settlement_out(session, settlement.get_settlement(session, settlement_id))


@router.get(
    "/settlements/{settlement_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="The credit note (Gutschrift) as stored when settled",
)
def get_settlement_pdf(settlement_id: IdPath, session: SessionDep) -> Response:
    note = settlement.get_settlement(session, settlement_id)
    document = stored_settlement_document(session, note)
    return file_response(
        FileOut(document.pdf, "application/pdf", f"Gutschrift_{note.settlement_no}.pdf")
    )


@router.get(
    "/settlements/{settlement_id}/cii",
    response_class=Response,
    responses=XML_RESPONSE,
    summary="The credit note as EN 16931 CII XML (self-billed invoice, type code 389)",
)
def get_settlement_cii(settlement_id: IdPath, session: SessionDep) -> Response:
    note = settlement.get_settlement(session, settlement_id)
    document = stored_settlement_document(session, note)
    return file_response(
        FileOut(document.cii_xml, "application/xml", f"Gutschrift_{note.settlement_no}.xml")
    )


# --- reports ------------------------------------------------------------------------------
@router.get("/reports/intake", response_model=list[IntakeRow], summary="Intake by day")
def intake_report(
    session: SessionDep,
    date_from: BusinessDate | None = None,
    date_to: BusinessDate | None = None,
    warehouse_id: IdQuery = None,
    item_id: IdQuery = None,
) -> list[IntakeRow]:
    return reports.intake_by_day(
        session, date_from=date_from, date_to=date_to, warehouse_id=warehouse_id, item_id=item_id
    )


@router.get("/reports/silos", response_model=list[SiloContentRow], summary="Silo contents")
def silo_report(session: SessionDep, warehouse_id: IdQuery = None) -> list[SiloContentRow]:
    return reports.silo_contents(session, warehouse_id)


@router.get(
    "/reports/open-contracts", response_model=list[OpenContractRow], summary="Open contracts"
)
def open_contracts_report(
    session: SessionDep, supplier_id: IdQuery = None
) -> list[OpenContractRow]:
    return reports.open_contracts(session, supplier_id)


@router.get("/reports/unsettled", response_model=list[UnsettledRow], summary="Unsettled tickets")
def unsettled_report(session: SessionDep, supplier_id: IdQuery = None) -> list[UnsettledRow]:
    return [UnsettledRow.model_validate(t) for t in reports.unsettled_tickets(session, supplier_id)]


@router.get(
    "/batches/{batch_id}/farmers", response_model=list[FarmerTraceRow], summary="Farmers traced"
)
def farmers_of(batch_id: IdPath, session: SessionDep) -> list[FarmerTraceRow]:
    return reports.farmers_of(session, batch_id)
