"""The brand's figures as data (brand.yaml): delivery zones and fees, cash-on-delivery limits,
installation prices, VAT. The assistant computes answers to questions with a parameter ("how
long to Abha?", "install 3 ACs", "VAT on 1,150 SAR") from these, so the figure it states is the
one the help centre states (tests/test_brand_facts.py checks that they agree)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Zone(_Strict):
    id: str
    days: tuple[int, int] = Field(description="business days from shipping, low and high")


class City(_Strict):
    en: str
    ar: str
    zone: str
    names: list[str] = Field(min_length=1, description="how customers write it (normalised)")


class Delivery(_Strict):
    standard_fee: float
    free_from: float
    large_fee: float
    large_free_from: float
    same_day_city: str
    same_day_fee: float
    same_day_before: str = Field(pattern=r"^\d{2}:\d{2}$")
    zones: list[Zone]
    cities: list[City]
    remote_zone: str
    remote_names: list[str]


class Payment(_Strict):
    cod_limit: float
    cod_fee: float
    instalments: int


class Service(_Strict):
    price: float = Field(ge=0, description="SAR per unit including VAT; 0 = free")
    where: str = Field("", description="'major_cities' when the offer is limited to them")


class Installation(_Strict):
    visit_days: tuple[int, int]
    services: dict[str, Service] = Field(
        description="by product category (agent/product_words.yaml)")


class Warranty(_Strict):
    # The manufacturer's warranty every electronic and appliance carries, at least.
    manufacturer_years: int = Field(2, ge=1)
    # Rawaf Care (extra years) can be added within this many days of delivery.
    care_within_days: int = Field(30, ge=1)


class BrandFacts(_Strict):
    version: str
    vat_rate: float = Field(gt=0, lt=1)
    delivery: Delivery
    payment: Payment
    installation: Installation
    warranty: Warranty = Field(default_factory=Warranty)

    @model_validator(mode="after")
    def _zones_exist(self) -> "BrandFacts":
        ids = {z.id for z in self.delivery.zones}
        unknown = {c.zone for c in self.delivery.cities} - ids
        if unknown or self.delivery.remote_zone not in ids:
            missing = sorted(unknown) or [self.delivery.remote_zone]
            raise ValueError(f"cities name unknown zones: {missing}")
        return self

    def same_day_city(self) -> City:
        return next(c for c in self.delivery.cities if c.names[0] == self.delivery.same_day_city)

    def zone(self, zone_id: str) -> Zone:
        return next(z for z in self.delivery.zones if z.id == zone_id)
