//! `SECURITYHUB_SKIP_COPIES_OF`: the finding families forwarded directly, whose Security Hub
//! copies are dropped.

use super::parse::{ConfigError, invalid};
use crate::finding::FAMILIES;

/// The Security Hub product names of the families listed in `SECURITYHUB_SKIP_COPIES_OF`
/// (their `ddsource`s, comma-separated: `guardduty,inspector2,macie,access-analyzer`). The
/// template sets it to the families whose EventBridge rule it creates; unset, no copy is
/// dropped.
pub(super) fn hub_copies_of(get: &impl Fn(&str) -> Option<String>) -> Result<Vec<String>, ConfigError> {
    const VAR: &str = "SECURITYHUB_SKIP_COPIES_OF";
    let Some(list) = get(VAR) else { return Ok(Vec::new()) };
    let mut products = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let product = FAMILIES.iter().filter(|f| f.source == name).find_map(|f| f.hub_product).ok_or_else(|| {
            invalid(VAR, format!("`{name}` is not one of guardduty, inspector2, macie, access-analyzer"))
        })?;
        if !products.iter().any(|p| p == product) {
            products.push(product.to_owned());
        }
    }
    Ok(products)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
        hub_copies_of(&|name: &str| (name == "SECURITYHUB_SKIP_COPIES_OF").then(|| value.map(str::to_owned)).flatten())
    }

    #[test]
    fn families_to_products() {
        assert_eq!(read(None).unwrap(), Vec::<String>::new());
        assert_eq!(read(Some("guardduty, inspector2,,macie,guardduty,")).unwrap(), ["guardduty", "inspector", "macie"]);
        assert!(read(Some("securityhub")).unwrap_err().to_string().contains("securityhub"));
    }
}
