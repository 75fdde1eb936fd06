//! Precision and recall per class, from the generator's labels.

use std::collections::BTreeMap;

use clickfence::score::Category;

use crate::Class;

/// Per class: clicks, and how many got the class's true category; per
/// category: clicks judged so, and how many truly belonged.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Class → (clicks, judged right).
    pub per_class: BTreeMap<Class, (u64, u64)>,
    /// Category judged (not clean) → (clicks, truly of it).
    pub labelled: BTreeMap<Category, (u64, u64)>,
    /// People's clicks not judged clean.
    pub people_flagged: u64,
}

impl Report {
    /// The report of (truth, judgement) pairs.
    pub fn new(judged: impl IntoIterator<Item = (Class, Category)>) -> Self {
        let mut r = Self::default();
        for (class, got) in judged {
            let e = r.per_class.entry(class).or_default();
            e.0 += 1;
            e.1 += u64::from(got == class.truth());
            if class == Class::Person && got != Category::Clean {
                r.people_flagged += 1;
            }
            if got != Category::Clean {
                let l = r.labelled.entry(got).or_default();
                l.0 += 1;
                l.1 += u64::from(got == class.truth());
            }
        }
        r
    }

    /// Share of the class's clicks given its true category.
    pub fn recall(&self, class: Class) -> f64 {
        let (n, hit) = self.per_class.get(&class).copied().unwrap_or_default();
        if n == 0 {
            0.0
        } else {
            hit as f64 / n as f64
        }
    }

    /// Share of the clicks judged `category` that truly were.
    pub fn precision(&self, category: Category) -> f64 {
        let (n, right) = self.labelled.get(&category).copied().unwrap_or_default();
        if n == 0 {
            1.0
        } else {
            right as f64 / n as f64
        }
    }

    /// Share of people's clicks not judged clean.
    pub fn false_positive_rate(&self) -> f64 {
        let (n, _) = self
            .per_class
            .get(&Class::Person)
            .copied()
            .unwrap_or_default();
        if n == 0 {
            0.0
        } else {
            self.people_flagged as f64 / n as f64
        }
    }

    /// Where each class falls below `floors`, and people above
    /// `max_people_flagged`, named.
    pub fn failures(&self, floors: &[(Class, f64)], max_people_flagged: f64) -> Vec<String> {
        let mut out: Vec<String> = floors
            .iter()
            .filter(|(class, floor)| self.recall(*class) < *floor)
            .map(|(class, floor)| format!("{}: {:.3} < {floor}", class.name(), self.recall(*class)))
            .collect();
        if self.false_positive_rate() > max_people_flagged {
            out.push(format!("people flagged: {:.4}", self.false_positive_rate()));
        }
        out
    }

    /// The report as a Markdown table and a summary line.
    pub fn table(&self) -> String {
        let mut out = String::from("| class | clicks | recall |\n|---|---|---|\n");
        for c in Class::ALL {
            let (n, _) = self.per_class.get(&c).copied().unwrap_or_default();
            let what = if c == Class::Person {
                "clean".to_owned()
            } else {
                format!("{:.1} %", 100.0 * self.recall(c))
            };
            out.push_str(&format!("| {} | {n} | {what} |\n", c.name()));
        }
        out.push_str(&format!(
            "\nfalse positives on people: {:.2} %; precision of givt {:.1} %, of sivt {:.1} %\n",
            100.0 * self.false_positive_rate(),
            100.0 * self.precision(Category::Givt),
            100.0 * self.precision(Category::Sivt)
        ));
        out
    }
}
