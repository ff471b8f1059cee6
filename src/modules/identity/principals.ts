/**
 * Tally's principals: users, groups with their grants, and OAuth2 clients. Each lives in its own
 * file; this is the one import for the rest of the code. Hashes never leave these modules.
 */
export {
  authenticateUser,
  createUser,
  deleteUser,
  findUserByUsername,
  getUser,
  listUsers,
  updateUser,
  type CreateUserInput,
  type UpdateUserPatch,
  type User,
} from './users.js'
export {
  addGroupMember,
  createGroup,
  deleteGroup,
  findGroupByName,
  getGroup,
  grantPermission,
  grantsOfUser,
  listGrants,
  listGroupMembers,
  listGroups,
  removeGroupMember,
  revokeGrant,
  type GrantRecord,
  type Group,
} from './groups.js'
export {
  authenticateOAuthClient,
  createOAuthClient,
  deleteOAuthClient,
  findOAuthClient,
  getOAuthClient,
  listOAuthClients,
  rotateOAuthClientSecret,
  updateOAuthClient,
  type CreateOAuthClientInput,
  type OAuthClient,
  type UpdateOAuthClientPatch,
} from './oauth-clients.js'
