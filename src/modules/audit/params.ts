import Type from 'typebox'

/** The path parameters every audit route has: `{versionNumber}/workspaces/{workspaceID}`. */
export const WorkspaceParams = Type.Object({
  versionNumber: Type.String({ pattern: '^[vV][0-9]+$', description: 'API version, e.g. v1' }),
  workspaceID: Type.Integer({ minimum: -1, description: 'Workspace Artifact ID; -1 is the instance level' }),
})
