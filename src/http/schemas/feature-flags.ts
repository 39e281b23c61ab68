// Feature flags: SF Compute's `/preview/v2/feature_flags` (`UserFeatureFlag`, `SetEnrollment*`),
// the un-prefixed `GET /v2/feature_flags/{flag}` the `sf` CLI asks (`{enabled}`), and the
// operator's settings per account.

import Type from 'typebox';
import { featureFlagNameLengthMax } from '../../domain/kernel/limits.js';

export const FeatureFlagPathParams = Type.Object({ feature_flag: Type.String({ minLength: 1, maxLength: 255, description: 'Feature flag name' }) });

export const FeatureFlagEnabledResponse = Type.Object({
  enabled: Type.Boolean({ description: 'Whether the flag is on for the caller\'s account.' }),
});

export const UserFeatureFlag = Type.Object({
  object: Type.Literal('feature_flag'),
  feature_flag: Type.String(),
  description: Type.String(),
  user_enroll: Type.Boolean({ description: 'Whether the account may enrol or unenrol itself.' }),
  enrolled: Type.Boolean(),
});

export const ListUserFeatureFlagsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(UserFeatureFlag),
  has_more: Type.Boolean({ description: 'Always false: the list is short and not paginated, as SF Compute\'s is not.' }),
});

export const SetEnrollmentRequest = Type.Object({ enrolled: Type.Boolean() });

export const SetEnrollmentResponse = Type.Object({
  object: Type.Literal('feature_flag'),
  feature_flag: Type.String(),
  enrolled: Type.Boolean(),
});

export const SetAccountFeatureFlagRequest = Type.Object({
  enabled: Type.Boolean(),
  user_enroll: Type.Optional(Type.Boolean({ description: 'Whether the account may change it itself; true when absent.' })),
}, { additionalProperties: false });

export const AccountFeatureFlagPathParams = Type.Object({
  id: Type.String(),
  feature_flag: Type.String({ minLength: 1, maxLength: featureFlagNameLengthMax, description: 'Lowercase letters, digits, ".", "_" and "-".' }),
});
