"""Errors of production rules."""

from landkontor.errors import Conflict, InvalidInput


class BomCycle(InvalidInput):
    code = "bom-cycle"
    title = "Recipe cycle"


class MaterialShortage(Conflict):
    code = "material-shortage"
    title = "Material shortage"


class OrderChanged(Conflict):
    code = "order-changed"
    title = "Production order changed"
