// Maps claim values (roles, groups, an attribute) to a tier: every value found in `tierMap`
// contributes its tier and the highest one in `tierOrder` wins. Mapped tiers missing from
// `tierOrder` rank below the listed ones. Nothing mapped: the default tier.

export interface TierSelection {
  tierMap: Record<string, string>
  tierOrder: string[]
  defaultTier: string
}

export function selectTier(values: string[], { tierMap, tierOrder, defaultTier }: TierSelection): string {
  let best: string | undefined
  let bestRank = -2
  for (const value of values) {
    if (!Object.hasOwn(tierMap, value)) continue
    const tier = tierMap[value]
    if (tier === undefined) continue
    const rank = tierOrder.indexOf(tier)
    if (rank > bestRank) {
      best = tier
      bestRank = rank
    }
  }
  return best ?? defaultTier
}
