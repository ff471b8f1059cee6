import type { EntityDef } from '../entity.js'
import { integrationsEntity } from './integration.js'
import { documentsEntity, fieldsEntity, usersEntity, workspacesEntity } from './platform.js'
import { clientsEntity, productsEntity } from './product.js'

/** Every entity kind, by its URL name. */
export const ENTITIES: ReadonlyMap<string, EntityDef<never>> = new Map(
  (
    [
      workspacesEntity,
      usersEntity,
      documentsEntity,
      fieldsEntity,
      productsEntity,
      clientsEntity,
      integrationsEntity,
    ] as unknown as EntityDef<never>[]
  ).map((entity) => [entity.kind, entity]),
)
