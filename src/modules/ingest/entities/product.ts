import Type from 'typebox'
import { ID_TEXT, Instant, NAME, PRODUCT_ID, toUtc } from '../stream.js'
import { chunk, defineEntity, upsertStatement } from '../entity.js'

export const productsEntity = defineEntity({
  kind: 'products',
  summary: 'Products whose installations report usage',
  schema: Type.Object(
    { productId: Type.Integer(PRODUCT_ID), name: Type.String(NAME) },
    { additionalProperties: false },
  ),
  keyOf: (p) => String(p.productId),
  async upsert(stores, tenantId, items) {
    for (const part of chunk(items, 1000)) {
      await stores.control.query(
        upsertStatement(
          'products',
          ['tenant_id', 'product_id', 'name'],
          ['tenant_id', 'product_id'],
          part.length,
          'updated_at = now()',
        ),
        part.flatMap((p) => [tenantId, p.productId, p.name]),
      )
    }
  },
})

const property = (description: string) => Type.Optional(Type.String({ maxLength: 256, description }))

export const clientsEntity = defineEntity({
  kind: 'clients',
  summary: 'Installations (clients) of a product and their properties; the newest version wins',
  schema: Type.Object(
    {
      productId: Type.Integer(PRODUCT_ID),
      clientId: Type.String(ID_TEXT),
      productVersion: property('Product version, e.g. 5.2.1'),
      edition: property('Edition, e.g. Professional'),
      licenseType: property('License type, e.g. Subscription, Trial'),
      licenseKey: property('License key the installation runs under'),
      os: property('Operating system'),
      language: property('UI language, e.g. en-US'),
      country: property('ISO 3166 country code'),
      region: property('Region or state'),
      installedAt: Instant('When the product was installed'),
      properties: Type.Optional(
        Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 }), {
          description: 'Custom properties',
          maxProperties: 256,
        }),
      ),
    },
    { additionalProperties: false },
  ),
  keyOf: (c) => `${c.productId}/${c.clientId}`,
  // Clients are counted in the hundreds of thousands and joined with sessions: warehouse side.
  upsert: (stores, tenantId, items) =>
    stores.warehouse.insert(
      'usage_clients',
      items.map((c) => ({
        tenant_id: tenantId,
        product_id: c.productId,
        client_id: c.clientId,
        product_version: c.productVersion ?? '',
        edition: c.edition ?? '',
        license_type: c.licenseType ?? '',
        license_key: c.licenseKey ?? '',
        os: c.os ?? '',
        language: c.language ?? '',
        country: c.country ?? '',
        region: c.region ?? '',
        installed_at: toUtc(c.installedAt),
        properties: c.properties ?? {},
      })),
    ),
})
